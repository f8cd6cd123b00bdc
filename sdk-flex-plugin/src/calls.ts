/**
 * The user's calls across tasks: joining (with a fresh token when the
 * provider refuses the one at hand), one live call per user, the connection
 * states as Flex notifications, rejoining automatically after a lost
 * connection while the escalation is open, and `whenTaskHidden` when the agent
 * selects another task. The same for a supervisor joining or monitoring an
 * agent's task from Flex's Teams view (`as: 'supervisor' | 'monitor'`).
 * Provider-neutral: it only sees VideoSessions.
 */
import type { WhenTaskHidden } from './config';
import type { EscalationStore } from './escalationStore';
import { callFailureText, endReasonText, NOTIFICATION_IDS } from './notifications';
import { defaultTranslate, type Translate } from './strings';
import { CallError, Listeners, type EndReason } from './video/call';
import { OtherCallLiveError, type VideoSession, type VideoSessions } from './video/session';

/** Ends after which a rejoin with a fresh token can help (the escalation still being open). */
export const REJOIN_REASONS: readonly EndReason[] = ['lost', 'unreachable', 'expired'];
/** Join failures after which rejoining cannot help. */
const FINAL_JOIN_FAILURES: readonly string[] = ['completed', 'room_full', 'replaced', 'wrong_room', 'unsupported'];
export const MAX_REJOIN_ATTEMPTS = 4;
/** 1 s, 2 s, 4 s, 8 s, … at most 15 s. */
export function defaultRejoinDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 15_000);
}

/**
 * How the user joins a task's call: `agent` (their own chat task), `supervisor`
 * (another agent's task, camera and microphone on) or `monitor` (another
 * agent's task, receive-only: no camera or microphone is opened).
 */
export type JoinAs = 'agent' | 'supervisor' | 'monitor';

export interface JoinCallOptions {
  /** Leave the call live on another task first. */
  replaceOther?: boolean;
  /** Default `agent`. */
  as?: JoinAs;
}

export interface AgentCallsDeps {
  store: Pick<EscalationStore, 'get' | 'agentToken' | 'invalidateToken'>;
  sessions: VideoSessions;
  t?: Translate;
  /** Shows a Flex notification (registered in setup) with `message`. */
  notify?: (id: string, message: string) => void;
  /** Dismisses one (e.g. "reconnecting" once reconnected). */
  dismiss?: (id: string) => void;
  whenTaskHidden?: WhenTaskHidden;
  maxRejoinAttempts?: number;
  rejoinDelayMs?: (attempt: number) => number;
}

interface Rejoin {
  attempt: number;
  reason: EndReason;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The provider refused the token: twilio-video's access-token errors (20101
 * invalid, 20103 invalid signature, 20104 expired, 20105 not yet valid), or
 * the built-in signalling's close code 4401 (unauthorized) on the first connect.
 */
export function isTokenRejected(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 20101 || code === 20103 || code === 20104 || code === 20105 || code === 4401;
}

export class AgentCalls {
  private readonly watched = new WeakSet<VideoSession>();
  private readonly rejoins = new Map<string, Rejoin>();
  /** Tasks that ended for this agent: never rejoined. */
  private readonly endedTasks = new Set<string>();
  /** Sessions whose microphone the plugin muted (mute-agent) and turns back on. */
  private readonly autoMuted = new Set<string>();
  /** How each task's call was joined, for its rejoins. */
  private readonly joinedAs = new Map<string, JoinAs>();
  private readonly listeners = new Listeners();
  private selected?: string;
  private readonly t: Translate;
  private readonly max: number;
  private readonly delay: (attempt: number) => number;

  constructor(private readonly deps: AgentCallsDeps) {
    this.t = deps.t ?? defaultTranslate;
    this.max = deps.maxRejoinAttempts ?? MAX_REJOIN_ATTEMPTS;
    this.delay = deps.rejoinDelayMs ?? defaultRejoinDelayMs;
    deps.sessions.subscribe(() => this.watchSessions());
    this.watchSessions();
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** The rejoin attempt under way or waiting for the task (undefined when none). */
  rejoinAttempt(taskSid: string): { attempt: number; max: number } | undefined {
    const r = this.rejoins.get(taskSid);
    return r ? { attempt: r.attempt, max: this.max } : undefined;
  }

  /**
   * Joins the task's room: the token at hand, or a fresh one when it expires
   * soon or the provider refuses it. Rejects with OtherCallLiveError while
   * another task's call is live (unless `replaceOther`), or with the provider's
   * error; resolves undefined when no token could be had (the store reported it).
   */
  async join(taskSid: string, opts: JoinCallOptions = {}): Promise<VideoSession | undefined> {
    this.cancelRejoin(taskSid);
    this.endedTasks.delete(taskSid);
    // A join already live or under way for the task is the one returned (see VideoSessions.join).
    if (!this.deps.sessions.get(taskSid)) this.joinedAs.set(taskSid, opts.as ?? 'agent');
    return this.connect(taskSid, opts);
  }

  /** How the task's call was (last) joined. */
  joinedAsFor(taskSid: string): JoinAs | undefined {
    return this.joinedAs.get(taskSid);
  }

  private async connect(taskSid: string, opts: { replaceOther?: boolean }): Promise<VideoSession | undefined> {
    const as = this.joinedAs.get(taskSid) ?? 'agent';
    const receiveOnly = as === 'monitor';
    // The service takes every `agent:` identity's samples as the agent's side: a supervisor's call reports none.
    const reportQuality = as === 'agent';
    for (let attempt = 1; ; attempt++) {
      // Refused before a token is fetched: nothing to ask the service for.
      const live = this.deps.sessions.liveTaskSid();
      if (live && live !== taskSid && !opts.replaceOther) throw new OtherCallLiveError(taskSid, live);
      const token = await this.deps.store.agentToken(taskSid);
      if (!token) return undefined;
      try {
        return await this.deps.sessions.join(taskSid, token.grant, { replaceOther: opts.replaceOther, receiveOnly, reportQuality });
      } catch (err) {
        if (attempt === 1 && isTokenRejected(err)) {
          this.deps.store.invalidateToken(taskSid);
          continue;
        }
        throw err;
      }
    }
  }

  /** The task ended for this agent (wrap-up, completed, canceled, transferred…): no rejoin. */
  taskEnded(taskSid: string): void {
    this.endedTasks.add(taskSid);
    this.autoMuted.delete(taskSid);
    this.cancelRejoin(taskSid);
  }

  /**
   * The agent selected a task (Flex's SelectTask). With `mute-agent`, the
   * microphone of a call on another task is muted, and turned back on when the
   * agent selects that task again (only if the plugin muted it). The customer's
   * audio plays on either way (see AudioSink).
   */
  taskSelected(taskSid: string | undefined): void {
    this.selected = taskSid;
    if (this.deps.whenTaskHidden !== 'mute-agent') return;
    for (const session of this.deps.sessions.all()) this.applyHidden(session);
  }

  private applyHidden(session: VideoSession): void {
    if (this.deps.whenTaskHidden !== 'mute-agent' || this.selected === undefined) return;
    // Only the agent's own chat tasks: a supervisor's call on another agent's task is not one of theirs.
    if ((this.joinedAs.get(session.taskSid) ?? 'agent') !== 'agent') return;
    const sid = session.taskSid;
    if (sid !== this.selected) {
      if (session.state.connected && session.state.micEnabled) {
        session.setMicEnabled(false);
        this.autoMuted.add(sid);
      }
    } else if (this.autoMuted.has(sid)) {
      this.autoMuted.delete(sid);
      if (session.state.connected) session.setMicEnabled(true);
    }
  }

  dispose(): void {
    for (const sid of [...this.rejoins.keys()]) this.cancelRejoin(sid);
  }

  private emit(): void {
    this.listeners.emit();
  }

  private notify(id: string, message: string): void {
    try {
      this.deps.notify?.(id, message);
    } catch (err) {
      console.warn('[video-escalation] notification failed', err);
    }
  }

  private dismiss(id: string): void {
    try {
      this.deps.dismiss?.(id);
    } catch {
      /* best effort */
    }
  }

  private watchSessions(): void {
    for (const session of this.deps.sessions.all()) {
      if (this.watched.has(session)) continue;
      this.watched.add(session);
      let last = session.state.status;
      let ended = false;
      session.subscribe(() => {
        const state = session.state;
        if (!state.connected) {
          if (ended) return;
          ended = true;
          this.autoMuted.delete(session.taskSid);
          if (last === 'reconnecting') this.dismiss(NOTIFICATION_IDS.reconnecting);
          this.onEnded(session.taskSid, state.endReason ?? 'lost');
          return;
        }
        if (state.status === last) return;
        last = state.status;
        if (state.status === 'reconnecting') {
          this.notify(NOTIFICATION_IDS.reconnecting, this.t('VideoEscalationNotifyReconnecting'));
        } else {
          this.dismiss(NOTIFICATION_IDS.reconnecting);
          this.notify(NOTIFICATION_IDS.reconnected, this.t('VideoEscalationNotifyReconnected'));
        }
      });
      // A call joined while the agent is on another task (e.g. a rejoin).
      this.applyHidden(session);
    }
  }

  private onEnded(taskSid: string, reason: EndReason): void {
    if (reason === 'left' || this.endedTasks.has(taskSid)) return;
    if (REJOIN_REASONS.includes(reason) && this.deps.store.get(taskSid).phase === 'open') {
      this.schedule(taskSid, reason, 1);
      return;
    }
    this.notify(NOTIFICATION_IDS.disconnected, this.t('VideoEscalationNotifyDisconnected', { reason: endReasonText(reason, this.t) }));
  }

  private schedule(taskSid: string, reason: EndReason, attempt: number): void {
    const text = endReasonText(reason, this.t);
    if (attempt > this.max) {
      this.rejoins.delete(taskSid);
      this.notify(NOTIFICATION_IDS.disconnected, this.t('VideoEscalationNotifyRejoinFailed', { reason: text, max: this.max }));
      this.emit();
      return;
    }
    const rejoin: Rejoin = { attempt, reason };
    rejoin.timer = setTimeout(() => void this.attempt(taskSid, rejoin), this.delay(attempt));
    this.rejoins.set(taskSid, rejoin);
    this.notify(
      NOTIFICATION_IDS.disconnected,
      this.t('VideoEscalationNotifyRejoining', { reason: text, attempt, max: this.max }),
    );
    this.emit();
  }

  private async attempt(taskSid: string, rejoin: Rejoin): Promise<void> {
    rejoin.timer = undefined;
    const stillWanted = () => this.rejoins.get(taskSid) === rejoin && !this.endedTasks.has(taskSid);
    if (!stillWanted() || this.deps.store.get(taskSid).phase !== 'open') {
      this.cancelRejoin(taskSid);
      return;
    }
    // A fresh token: the one at hand may be what expired.
    this.deps.store.invalidateToken(taskSid);
    try {
      const session = await this.connect(taskSid, {});
      if (!stillWanted()) {
        // The task ended (or the agent joined by hand) meanwhile.
        if (session && this.endedTasks.has(taskSid)) session.leave();
        return;
      }
      if (session && session.state.connected) {
        this.rejoins.delete(taskSid);
        this.notify(NOTIFICATION_IDS.reconnected, this.t('VideoEscalationNotifyReconnected'));
        this.emit();
        return;
      }
      this.schedule(taskSid, rejoin.reason, rejoin.attempt + 1);
    } catch (err) {
      if (!stillWanted()) return;
      if (err instanceof OtherCallLiveError) {
        // The agent is on another task's call now: leave this one be.
        this.cancelRejoin(taskSid);
        return;
      }
      if (err instanceof CallError && FINAL_JOIN_FAILURES.includes(err.reason)) {
        this.rejoins.delete(taskSid);
        this.notify(NOTIFICATION_IDS.disconnected, this.t('VideoEscalationNotifyDisconnected', { reason: callFailureText(err, this.t) }));
        this.emit();
        return;
      }
      this.schedule(taskSid, rejoin.reason, rejoin.attempt + 1);
    }
  }

  private cancelRejoin(taskSid: string): void {
    const r = this.rejoins.get(taskSid);
    if (!r) return;
    if (r.timer) clearTimeout(r.timer);
    this.rejoins.delete(taskSid);
    this.emit();
  }
}
