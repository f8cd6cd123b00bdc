import { vi } from 'vitest';
import type { Escalation } from '../src/api/types';
import type { TaskLike } from '../src/task';
import { AgentCalls } from '../src/calls';
import type { EscalationStore } from '../src/escalationStore';
import type { PluginServices } from '../src/services';
import { VideoSessions } from '../src/video/session';

export const CC = '3f1c2a4e-8d7b-4c6a-9e5f-0a1b2c3d4e5f';

export function makeEscalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 'e5a1d6b2-0000-4000-8000-000000000001',
    contact_center_id: CC,
    status: 'open',
    code: 'ABCD2345EFGH',
    join_url: 'https://video.example.com/join/ABCD2345EFGH',
    room_sid: 'RM0123456789abcdef0123456789abcdef',
    room_name: 'esc-e5a1d6b2',
    task_sid: 'WT0123456789abcdef0123456789abcdef',
    conversation_sid: 'CH0123456789abcdef0123456789abcdef',
    agent_identity: 'agent:alice',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    created_at: new Date().toISOString(),
    agent_token: 'agent-video-token',
    agent_token_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    ...over,
  } as Escalation;
}

export function makeTask(over: Partial<TaskLike> & { attributes?: Record<string, unknown> } = {}): TaskLike & {
  setAttributes: ReturnType<typeof vi.fn>;
} {
  const task = {
    taskSid: 'WT0123456789abcdef0123456789abcdef',
    taskChannelUniqueName: 'chat',
    status: 'accepted',
    taskStatus: 'assigned',
    attributes: { conversationSid: 'CH0123456789abcdef0123456789abcdef', from: 'customer' } as Record<string, unknown>,
    ...over,
  } as TaskLike & { setAttributes: ReturnType<typeof vi.fn> };
  task.setAttributes = vi.fn(async (attrs: Record<string, unknown>) => {
    task.attributes = attrs;
    return task;
  });
  return task;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}

export function problemResponse(
  status: number,
  problem: Partial<{ type: string; title: string; detail: string; code: string; request_id: string; errors: unknown[] }>,
): Response {
  return new Response(JSON.stringify({ type: `/problems/${problem.code}`, status, errors: [], ...problem }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

/** A deferred promise, to hold a request open. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The services the components take, around a store and sessions. */
export function makeServices(
  store: EscalationStore,
  sessions: VideoSessions = new VideoSessions(),
  extra: Partial<PluginServices> & { calls?: AgentCalls } = {},
): PluginServices {
  return { store, sessions, calls: extra.calls ?? new AgentCalls({ store, sessions, t: extra.t }), ...extra };
}
