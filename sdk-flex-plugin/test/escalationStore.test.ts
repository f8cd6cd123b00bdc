import { describe, expect, it, vi } from 'vitest';
import { ProblemError } from '../src/api/errors';
import { EscalationStore } from '../src/escalationStore';
import { idempotencyKeyFor } from '../src/idempotency';
import { CC, deferred, makeEscalation, makeTask } from './helpers';

function fakeClient() {
  return {
    createEscalation: vi.fn(),
    getEscalation: vi.fn(),
    completeEscalation: vi.fn(),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn(),
  };
}

const problem = (over: Partial<ConstructorParameters<typeof ProblemError>[0]> = {}) =>
  new ProblemError({ title: 'Twilio is unavailable', status: 502, detail: 'Room creation failed.', code: 'twilio_unavailable', ...over });

describe('idempotencyKeyFor', () => {
  it('is one key per task, the same on every call', () => {
    const task = makeTask();
    expect(idempotencyKeyFor(task)).toBe(`task:${task.taskSid}`);
    expect(idempotencyKeyFor(task)).toBe(idempotencyKeyFor(makeTask()));
    expect(idempotencyKeyFor(makeTask({ taskSid: 'WTother' }))).toBe('task:WTother');
  });

  it('changes only after the task’s escalation ended', () => {
    const task = makeTask({ attributes: { conversationSid: 'CH1', videoEscalation: { escalationId: 'e', ended: 2 } } });
    expect(idempotencyKeyFor(task)).toBe(`task:${task.taskSid}:2`);
  });
});

describe('EscalationStore.escalate', () => {
  it('sends task_sid, conversation_sid, agent_name and the task’s key, then records the escalation in the task', async () => {
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 });
    const store = new EscalationStore({ client, contactCenterId: CC, agentName: () => 'Alice' });
    const task = makeTask();

    const escalation = await store.escalate(task);

    expect(client.createEscalation).toHaveBeenCalledWith(
      CC,
      { task_sid: task.taskSid, conversation_sid: 'CH0123456789abcdef0123456789abcdef', agent_name: 'Alice' },
      `task:${task.taskSid}`,
    );
    expect(escalation?.id).toBe(makeEscalation().id);
    expect(store.get(task.taskSid).phase).toBe('open');
    expect(store.get(task.taskSid).agentToken?.token).toBe('agent-video-token');
    // merged: the other attributes stay
    expect(task.setAttributes).toHaveBeenCalledWith({
      conversationSid: 'CH0123456789abcdef0123456789abcdef',
      from: 'customer',
      videoEscalation: { escalationId: makeEscalation().id, status: 'open' },
    });
    // Never the join URL (it carries the customer's code) nor a token.
    const written = JSON.stringify(task.setAttributes.mock.calls);
    expect(written).not.toContain('join');
    expect(written).not.toContain('ABCD2345EFGH');
    expect(written).not.toContain('agent-video-token');
  });

  it('sends one request for concurrent calls (double click)', async () => {
    const client = fakeClient();
    const d = deferred<unknown>();
    client.createEscalation.mockReturnValue(d.promise);
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    const a = store.escalate(task);
    const b = store.escalate(task);
    expect(store.get(task.taskSid).phase).toBe('creating');
    d.resolve({ escalation: makeEscalation(), replayed: false, status: 201 });
    expect((await a)?.id).toBe((await b)?.id);
    expect(client.createEscalation).toHaveBeenCalledTimes(1);
    // and once open, no request at all
    await store.escalate(task);
    expect(client.createEscalation).toHaveBeenCalledTimes(1);
  });

  it('reuses the same idempotency key when the agent retries after a failure', async () => {
    const client = fakeClient();
    client.createEscalation
      .mockRejectedValueOnce(problem())
      .mockResolvedValueOnce({ escalation: makeEscalation(), replayed: true, status: 200 });
    const onError = vi.fn();
    const store = new EscalationStore({ client, contactCenterId: CC, onError });
    const task = makeTask();

    expect(await store.escalate(task)).toBeUndefined();
    expect(store.get(task.taskSid)).toMatchObject({ phase: 'error', error: { code: 'twilio_unavailable' } });
    expect(onError).toHaveBeenCalledWith(expect.any(ProblemError), 'create', task.taskSid);

    expect((await store.escalate(task))?.id).toBe(makeEscalation().id);
    const keys = client.createEscalation.mock.calls.map((c) => c[2]);
    expect(keys).toEqual([`task:${task.taskSid}`, `task:${task.taskSid}`]);
  });

  it('refuses a task without a conversation, without a request', async () => {
    const client = fakeClient();
    const onError = vi.fn();
    const store = new EscalationStore({ client, contactCenterId: CC, onError });
    await store.escalate(makeTask({ attributes: { from: 'x' } }));
    expect(client.createEscalation).not.toHaveBeenCalled();
    expect(onError.mock.calls[0][0]).toMatchObject({ code: 'no_conversation' });
  });

  it('keeps the escalation when the task attributes cannot be written', async () => {
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 });
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    task.setAttributes.mockRejectedValue(new Error('forbidden'));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await store.escalate(task)).toBeDefined();
    expect(store.get(task.taskSid).phase).toBe('open');
  });
});

describe('EscalationStore tokens, loading and completing', () => {
  it('uses the creation token while fresh, and fetches a new one when it is about to expire', async () => {
    let now = Date.now();
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({
      escalation: makeEscalation({ agent_token_expires_at: new Date(now + 120_000).toISOString() }),
      replayed: false,
      status: 201,
    });
    client.createAgentToken.mockResolvedValue({
      token: 'fresh',
      room_name: 'esc-e5a1d6b2',
      identity: 'agent:alice',
      expires_at: new Date(now + 3_600_000).toISOString(),
    });
    const store = new EscalationStore({ client, contactCenterId: CC, now: () => now });
    const task = makeTask();
    await store.escalate(task);

    expect((await store.agentToken(task.taskSid))?.token).toBe('agent-video-token');
    expect(client.createAgentToken).not.toHaveBeenCalled();

    now += 90_000; // 30 s left: too close
    expect((await store.agentToken(task.taskSid))?.token).toBe('fresh');
    expect(client.createAgentToken).toHaveBeenCalledWith(makeEscalation().id);
  });

  it('fetches a token when the escalation came without one (after a reload)', async () => {
    const client = fakeClient();
    client.getEscalation.mockResolvedValue(makeEscalation({ agent_token: undefined, agent_token_expires_at: undefined }));
    client.createAgentToken.mockResolvedValue({
      token: 'fresh',
      room_name: 'esc-e5a1d6b2',
      identity: 'agent:alice',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask({ attributes: { conversationSid: 'CH1', videoEscalation: { escalationId: makeEscalation().id } } });
    await store.load(task);
    expect(store.get(task.taskSid).phase).toBe('open');
    expect((await store.agentToken(task.taskSid))?.roomName).toBe('esc-e5a1d6b2');
  });

  it('completes: phase ended, attributes record it, and the next key is new', async () => {
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 });
    client.completeEscalation.mockResolvedValue(makeEscalation({ status: 'completed' }));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    await store.escalate(task);
    await Promise.all([store.complete(task), store.complete(task)]);
    expect(client.completeEscalation).toHaveBeenCalledTimes(1);
    expect(store.get(task.taskSid).phase).toBe('ended');
    expect(task.attributes.videoEscalation).toMatchObject({ status: 'completed', ended: 1 });
    expect(idempotencyKeyFor(task)).toBe(`task:${task.taskSid}:1`);
  });

  it('uses a new key for the next escalation even before Flex shows the new attributes', async () => {
    const client = fakeClient();
    client.createEscalation
      .mockResolvedValueOnce({ escalation: makeEscalation(), replayed: false, status: 201 })
      .mockResolvedValueOnce({ escalation: makeEscalation({ id: 'second' }), replayed: false, status: 201 });
    client.completeEscalation.mockResolvedValue(makeEscalation({ status: 'completed' }));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    task.setAttributes.mockResolvedValue(undefined); // Flex updates task.attributes later
    await store.escalate(task);
    await store.complete(task);
    expect((await store.escalate(task))?.id).toBe('second');
    expect(client.createEscalation.mock.calls.map((c) => c[2])).toEqual([`task:${task.taskSid}`, `task:${task.taskSid}:1`]);
  });

  it('reports a failed complete and stays open', async () => {
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 });
    client.completeEscalation.mockRejectedValue(problem({ status: 404, code: 'not_found', title: 'Not found' }));
    const onError = vi.fn();
    const store = new EscalationStore({ client, contactCenterId: CC, onError });
    const task = makeTask();
    await store.escalate(task);
    await store.complete(task);
    expect(store.get(task.taskSid).phase).toBe('open');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'not_found' }), 'complete', task.taskSid);
  });
});

describe('EscalationStore.supervise (a supervisor on another agent’s task)', () => {
  const supervised = (escalationId?: string) =>
    makeTask({
      taskSid: 'WTsupervised',
      attributes: { conversationSid: 'CH1', ...(escalationId ? { videoEscalation: { escalationId, status: 'open' } } : {}) },
    });

  it('reads the escalation the task names, again when it names another, and never writes the task', async () => {
    const client = fakeClient();
    client.getEscalation.mockImplementation(async (id: string) => makeEscalation({ id }));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const first = supervised('esc-1');
    expect(await store.supervise(supervised())).toBeUndefined();
    expect(client.getEscalation).not.toHaveBeenCalled();
    await store.supervise(first);
    await store.supervise(first);
    expect(client.getEscalation).toHaveBeenCalledTimes(1);
    expect(store.get('WTsupervised')).toMatchObject({ phase: 'open', escalation: { id: 'esc-1' } });
    await store.supervise(supervised('esc-2'));
    expect(store.get('WTsupervised').escalation?.id).toBe('esc-2');
    expect(store.isSupervised('WTsupervised')).toBe(true);
    expect(first.setAttributes).not.toHaveBeenCalled();
  });

  it('reports its failures as the supervisor’s (action supervise), token ones too, and re-reads an escalation that ended meanwhile', async () => {
    const client = fakeClient();
    const onError = vi.fn();
    const store = new EscalationStore({ client, contactCenterId: CC, onError });
    client.getEscalation.mockResolvedValueOnce(makeEscalation({ id: 'esc-1' }));
    await store.supervise(supervised('esc-1'));
    client.createAgentToken.mockRejectedValueOnce(problem({ status: 409, title: 'Conflict', code: 'escalation_not_open' }));
    client.getEscalation.mockResolvedValueOnce(makeEscalation({ id: 'esc-1', status: 'completed' }));
    expect(await store.agentToken('WTsupervised')).toBeUndefined();
    expect(onError.mock.calls[0][1]).toBe('supervise');
    await vi.waitFor(() => expect(store.get('WTsupervised').phase).toBe('ended'));

    // An agent's own task keeps its own action names.
    client.createAgentToken.mockRejectedValueOnce(problem());
    client.createEscalation.mockResolvedValue({ escalation: makeEscalation({ agent_token: undefined }), replayed: false, status: 201 });
    const own = makeTask();
    await store.escalate(own);
    await store.agentToken(own.taskSid);
    expect(onError.mock.calls.at(-1)?.[1]).toBe('token');
  });
});
