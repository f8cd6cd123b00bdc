import type { EscalationClient } from './api/client';
import { ProblemError } from './api/errors';
import type { AgentToken, Escalation, QualitySample, Snapshot } from './api/types';
import { idempotencyKeyFor } from './idempotency';
import { conversationSidOf, mergeTaskVideoAttributes, taskVideoAttributes, type TaskHelperLike, type TaskLike } from './task';

export type EscalationPhase = 'idle' | 'creating' | 'open' | 'completing' | 'ended' | 'error';
/** What failed: `supervise` is loading or joining another agent's task's call (Teams view). */
export type EscalationAction = 'create' | 'complete' | 'token' | 'load' | 'supervise';

export interface AgentVideoToken {
  /** The whole agent token answer: the provider and everything it needs to connect. */
  grant: AgentToken;
  token: string;
  roomName: string;
  identity?: string;
  /** ms since the epoch */
  expiresAt: number;
  /** The room records its participants (the token answer's `recording`; false when an older service leaves it out). */
  recording: boolean;
}

export interface TaskEscalationState {
  phase: EscalationPhase;
  escalation?: Escalation;
  error?: ProblemError;
  agentToken?: AgentVideoToken;
  /**
   * The last token answer's `recording` for this escalation: kept when the
   * token is dropped for a fresh one (a rejoin), so the call view goes on
   * saying the call is recorded while it connects again.
   */
  recording?: boolean;
}

export interface EscalationStoreDeps {
  client: Pick<
    EscalationClient,
    'createEscalation' | 'getEscalation' | 'completeEscalation' | 'createAgentToken' | 'reportAgentCallQuality' | 'createSnapshot'
  >;
  contactCenterId: string;
  /** The agent's display name, sent as `agent_name`. */
  agentName?: () => string | undefined;
  onError?: (error: ProblemError, action: EscalationAction, taskSid: string) => void;
  /** Flex's TaskHelper (`flex.TaskHelper`): finds the task's Conversation (`getTaskConversationSid`). */
  taskHelper?: TaskHelperLike;
  /** The task's freshest attributes in Flex's store (used where TaskRouter cannot be asked, see mergeTaskVideoAttributes). */
  latestAttributes?: (task: TaskLike) => Record<string, unknown> | undefined;
  now?: () => number;
}

/** A token this close to its expiry is replaced before connecting. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

const IDLE: TaskEscalationState = Object.freeze({ phase: 'idle' }) as TaskEscalationState;

function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  return new ProblemError({
    title: 'Video escalation failed',
    status: 0,
    detail: err instanceof Error ? err.message : String(err),
    code: 'client_error',
  });
}

function phaseOf(escalation: Escalation): EscalationPhase {
  // `creating` is an escalation another request of the same key is still making.
  return escalation.status === 'open' || escalation.status === 'creating' ? 'open' : 'ended';
}

/**
 * The escalation state of every task, shared by the header button and the
 * Video tab. Creating is deduplicated per task: a double click, or the button
 * and the tab at once, send one request; retries reuse the task's idempotency key.
 */
export class EscalationStore {
  private readonly states = new Map<string, TaskEscalationState>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<() => void>();
  /** Escalations ended per task in this session (task attributes may lag behind). */
  private readonly ended = new Map<string, number>();
  /** Other agents' tasks a supervisor looks at (Teams view): read, joined, never written. */
  private readonly supervised = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: EscalationStoreDeps) {
    this.now = deps.now ?? Date.now;
  }

  get(taskSid: string): TaskEscalationState {
    return this.states.get(taskSid) ?? IDLE;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private set(taskSid: string, next: TaskEscalationState): void {
    this.states.set(taskSid, next);
    for (const l of [...this.listeners]) l();
  }

  private once<T>(key: string, run: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) return existing as Promise<T>;
    const p = run().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private fail(taskSid: string, action: EscalationAction, err: unknown, keep: Partial<TaskEscalationState>): undefined {
    const error = toProblem(err);
    this.set(taskSid, { ...keep, phase: keep.phase ?? 'error', error });
    const reported = this.supervised.has(taskSid) && (action === 'token' || action === 'load') ? 'supervise' : action;
    this.deps.onError?.(error, reported, taskSid);
    return undefined;
  }

  /** Creates (or replays) the task's escalation. Resolves undefined on failure (already reported). */
  escalate(task: TaskLike): Promise<Escalation | undefined> {
    const taskSid = task.taskSid;
    const current = this.get(taskSid);
    if (current.phase === 'open' && current.escalation) return Promise.resolve(current.escalation);
    return this.once(`create:${taskSid}`, async () => {
      const conversationSid = conversationSidOf(task, this.deps.taskHelper);
      if (!conversationSid) {
        return this.fail(
          taskSid,
          'create',
          new ProblemError({
            title: 'Not a chat task',
            status: 0,
            detail: 'This task has no Conversation (conversationSid) to send the video link to.',
            code: 'no_conversation',
          }),
          {},
        );
      }
      this.set(taskSid, { phase: 'creating' });
      try {
        const agentName = this.deps.agentName?.();
        const { escalation } = await this.deps.client.createEscalation(
          this.deps.contactCenterId,
          { task_sid: taskSid, conversation_sid: conversationSid, ...(agentName ? { agent_name: agentName } : {}) },
          idempotencyKeyFor(task, this.ended.get(taskSid)),
        );
        const agentToken = tokenFromEscalation(escalation);
        this.set(taskSid, { phase: phaseOf(escalation), escalation, agentToken, recording: agentToken?.recording });
        await this.remember(task, escalation);
        return escalation;
      } catch (err) {
        return this.fail(taskSid, 'create', err, {});
      }
    });
  }

  /** After a reload: picks up the escalation recorded in the task's attributes. */
  load(task: TaskLike): Promise<Escalation | undefined> {
    const taskSid = task.taskSid;
    const id = taskVideoAttributes(task).escalationId;
    if (!id || this.get(taskSid).phase !== 'idle') return Promise.resolve(this.get(taskSid).escalation);
    return this.once(`load:${taskSid}`, async () => {
      try {
        const escalation = await this.deps.client.getEscalation(id);
        if (this.get(taskSid).phase === 'idle') {
          this.set(taskSid, { phase: phaseOf(escalation), escalation });
        }
        return escalation;
      } catch (err) {
        // Not worth a notification: the agent can still start a new one.
        console.warn('[video-escalation] could not load escalation', id, err);
        return undefined;
      }
    });
  }

  /**
   * For a supervisor looking at another agent's task in Flex's Teams view:
   * reads the escalation named in the task's attributes (`videoEscalation.escalationId`),
   * again when the task names another one since. Failures are reported
   * (action `supervise`, e.g. a 403 for a user who is not a Flex supervisor or
   * admin) and leave the `error` phase. The task's attributes are never written.
   */
  supervise(task: TaskLike): Promise<Escalation | undefined> {
    const taskSid = task.taskSid;
    this.supervised.add(taskSid);
    const id = taskVideoAttributes(task).escalationId;
    if (!id) return Promise.resolve(undefined);
    const current = this.get(taskSid);
    if (current.escalation?.id === id && current.phase !== 'error' && current.phase !== 'idle') {
      return Promise.resolve(current.escalation);
    }
    return this.once(`supervise:${taskSid}:${id}`, async () => {
      try {
        const escalation = await this.deps.client.getEscalation(id);
        this.set(taskSid, { phase: phaseOf(escalation), escalation });
        return escalation;
      } catch (err) {
        return this.fail(taskSid, 'load', err, {});
      }
    });
  }

  /** Whether the task is another agent's, looked at by a supervisor (see supervise). */
  isSupervised(taskSid: string): boolean {
    return this.supervised.has(taskSid);
  }

  /** A Video token for the task's room: the one at hand unless it expires soon, else a fresh one. */
  agentToken(taskSid: string): Promise<AgentVideoToken | undefined> {
    const state = this.get(taskSid);
    const escalation = state.escalation;
    if (!escalation) return Promise.resolve(undefined);
    if (state.agentToken && state.agentToken.expiresAt - TOKEN_REFRESH_MARGIN_MS > this.now()) {
      return Promise.resolve(state.agentToken);
    }
    return this.once(`token:${taskSid}`, async () => {
      try {
        const t = await this.deps.client.createAgentToken(escalation.id);
        // An answer without a provider (an older service) is a Twilio token, one without `recording` not recorded.
        const grant: AgentToken = { ...t, provider: t.provider ?? 'twilio', recording: t.recording === true };
        const agentToken: AgentVideoToken = {
          grant,
          token: t.token,
          roomName: t.room_name,
          identity: t.identity,
          expiresAt: Date.parse(t.expires_at),
          recording: grant.recording,
        };
        const latest = this.get(taskSid);
        this.set(taskSid, { ...latest, agentToken, recording: agentToken.recording, error: undefined });
        return agentToken;
      } catch (err) {
        const latest = this.get(taskSid);
        const failed = this.fail(taskSid, 'token', err, { ...latest, phase: latest.phase });
        // Ended meanwhile (409 escalation_not_open): read it again, so the tab says so.
        if (err instanceof ProblemError && err.code === 'escalation_not_open') void this.refresh(taskSid);
        return failed;
      }
    });
  }

  /** Forgets the agent token at hand (e.g. Twilio refused it), so the next join fetches a fresh one. */
  invalidateToken(taskSid: string): void {
    const state = this.get(taskSid);
    if (state.agentToken) this.set(taskSid, { ...state, agentToken: undefined });
  }

  /**
   * Posts one quality sample of the agent's (Twilio) call on the task, see
   * video/quality.ts. Never fails and shows nothing: a sample lost to the
   * network, the rate limit (429) or a call over for a while (409) only
   * leaves a gap in the figures, and must not disturb the call.
   */
  async reportQuality(taskSid: string, sample: QualitySample): Promise<void> {
    const id = this.get(taskSid).escalation?.id;
    if (!id) return;
    try {
      await this.deps.client.reportAgentCallQuality(id, sample);
    } catch {
      // See above: the next sample comes a few seconds later.
    }
  }

  /**
   * Saves a still of the task's call to its escalation (the agent's, or the
   * one a supervisor looks at). Rejects with the service's ProblemError for
   * the caller to word (nothing is notified: the snapshot view says it); a
   * call ended meanwhile re-reads the escalation, as a token refused so does.
   */
  async saveSnapshot(taskSid: string, picture: Blob): Promise<Snapshot> {
    const id = this.get(taskSid).escalation?.id;
    if (!id) {
      throw new ProblemError({ title: 'No video call', status: 409, detail: 'This task has no escalation.', code: 'escalation_not_open' });
    }
    try {
      return await this.deps.client.createSnapshot(id, picture);
    } catch (err) {
      if (err instanceof ProblemError && err.code === 'escalation_not_open') void this.refresh(taskSid);
      throw err;
    }
  }

  /** Re-reads the escalation (e.g. after the room closed under the agent). */
  refresh(taskSid: string): Promise<Escalation | undefined> {
    const id = this.get(taskSid).escalation?.id;
    if (!id) return Promise.resolve(undefined);
    return this.once(`refresh:${taskSid}`, async () => {
      try {
        const escalation = await this.deps.client.getEscalation(id);
        const latest = this.get(taskSid);
        if (latest.escalation?.id === id && (latest.phase === 'open' || latest.phase === 'ended')) {
          // An ended escalation stays ended: an answer read before a complete landed must not reopen it.
          const phase = latest.phase === 'ended' ? 'ended' : phaseOf(escalation);
          this.set(taskSid, { ...latest, phase, escalation: phase === 'ended' && latest.phase === 'ended' ? latest.escalation : escalation });
        }
        return escalation;
      } catch (err) {
        console.warn('[video-escalation] could not refresh escalation', id, err);
        return undefined;
      }
    });
  }

  /** Ends the escalation: the room closes and the customer's code expires. */
  complete(task: TaskLike, opts: { quiet?: boolean } = {}): Promise<Escalation | undefined> {
    const taskSid = task.taskSid;
    const state = this.get(taskSid);
    const escalation = state.escalation;
    if (!escalation || state.phase === 'ended') return Promise.resolve(escalation);
    return this.once(`complete:${taskSid}`, async () => {
      this.set(taskSid, { ...state, phase: 'completing', error: undefined });
      try {
        const done = await this.deps.client.completeEscalation(escalation.id);
        this.ended.set(taskSid, Math.max(taskVideoAttributes(task).ended ?? 0, this.ended.get(taskSid) ?? 0) + 1);
        this.set(taskSid, { phase: 'ended', escalation: done });
        await this.remember(task, done, true);
        return done;
      } catch (err) {
        if (opts.quiet) {
          console.warn('[video-escalation] could not complete escalation', escalation.id, err);
          this.set(taskSid, { ...state, phase: state.phase });
          return undefined;
        }
        return this.fail(taskSid, 'complete', err, { ...state, phase: state.phase });
      }
    });
  }

  /** Forgets a task that left the agent's list. */
  forget(taskSid: string): void {
    if (this.states.delete(taskSid)) for (const l of [...this.listeners]) l();
  }

  private async remember(task: TaskLike, escalation: Escalation, ended = false): Promise<void> {
    try {
      // Only the id and non-secret state: never the join URL (the customer's code) or a token.
      await mergeTaskVideoAttributes(
        task,
        {
          escalationId: escalation.id,
          status: escalation.status,
          ...(ended ? { ended: this.ended.get(task.taskSid) ?? 1 } : {}),
        },
        this.deps.latestAttributes,
      );
    } catch (err) {
      console.warn('[video-escalation] could not update task attributes', err);
    }
  }
}

function tokenFromEscalation(escalation: Escalation): AgentVideoToken | undefined {
  if (!escalation.agent_token) return undefined;
  const expiresAt = escalation.agent_token_expires_at ?? escalation.agent_video?.expires_at ?? escalation.expires_at;
  let grant: AgentToken;
  if (escalation.agent_video) {
    grant = {
      ...escalation.agent_video,
      token: escalation.agent_token,
      expires_at: expiresAt,
      recording: escalation.agent_video.recording === true,
    };
  } else if (escalation.video_provider === 'builtin') {
    // Without `agent_video` there is no signalling URL: fetch a full token answer when joining.
    return undefined;
  } else {
    grant = {
      provider: 'twilio',
      token: escalation.agent_token,
      room_name: escalation.room_name,
      identity: escalation.agent_identity,
      expires_at: expiresAt,
      // Without `agent_video` (an older service) nothing says the room records.
      recording: false,
    };
  }
  return {
    grant,
    token: grant.token,
    roomName: grant.room_name,
    identity: grant.identity,
    expiresAt: Date.parse(expiresAt),
    recording: grant.recording,
  };
}
