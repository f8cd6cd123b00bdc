import { describe, expect, it, vi } from 'vitest';
import { RESERVATION_END_EVENTS, registerTaskEndListeners, TASK_END_ACTIONS, TASK_END_EVENTS } from '../src/lifecycle';
import { problemNotificationText, configNotificationText } from '../src/notifications';
import { ProblemError } from '../src/api/errors';

/** The TaskRouter SDK's Reservation as an event emitter (on/once/removeListener/emit). */
class FakeReservation {
  private readonly handlers = new Map<string, Set<(...args: unknown[]) => void>>();
  on(name: string, fn: (...args: unknown[]) => void) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name)!.add(fn);
    return this;
  }
  once(name: string, fn: (...args: unknown[]) => void) {
    const wrapped = (...args: unknown[]) => {
      this.removeListener(name, wrapped);
      fn(...args);
    };
    (wrapped as { original?: unknown }).original = fn;
    return this.on(name, wrapped);
  }
  removeListener(name: string, fn: (...args: unknown[]) => void) {
    for (const h of [...(this.handlers.get(name) ?? [])]) {
      if (h === fn || (h as { original?: unknown }).original === fn) this.handlers.get(name)!.delete(h);
    }
    return this;
  }
  emit(name: string, ...args: unknown[]) {
    for (const h of [...(this.handlers.get(name) ?? [])]) h(...args);
  }
  listenerCount(name: string) {
    return this.handlers.get(name)?.size ?? 0;
  }
}

function emitter() {
  const handlers: Record<string, Array<(p: unknown) => void>> = {};
  return {
    handlers,
    addListener: vi.fn((name: string, fn: (p: unknown) => void) => {
      (handlers[name] ??= []).push(fn);
    }),
  };
}

describe('registerTaskEndListeners', () => {
  it('listens to WrapupTask/CompleteTask and the task-ending events', () => {
    const actions = emitter();
    const events = emitter();
    registerTaskEndListeners(actions, events, vi.fn());
    expect(Object.keys(actions.handlers)).toEqual([...TASK_END_ACTIONS]);
    expect(Object.keys(events.handlers)).toEqual([...TASK_END_EVENTS]);
  });

  it('finds the task sid in action payloads and event tasks, and ignores payloads without one', () => {
    const actions = emitter();
    const events = emitter();
    const onEnd = vi.fn();
    registerTaskEndListeners(actions, events, onEnd);
    actions.handlers.afterWrapupTask[0]({ task: { taskSid: 'WT1' } });
    actions.handlers.afterCompleteTask[0]({ sid: 'WT2' });
    events.handlers.taskRescinded[0]({ taskSid: 'WT3' });
    actions.handlers.afterWrapupTask[0]({});
    expect(onEnd.mock.calls.map(([e]) => [e.taskSid, e.reason])).toEqual([
      ['WT1', 'afterWrapupTask'],
      ['WT2', 'afterCompleteTask'],
      ['WT3', 'taskRescinded'],
    ]);
  });

  it('does not end the task when TransferTask resolves, only when this agent’s reservation is handed off (Flex’s events)', () => {
    const actions = emitter();
    const events = emitter();
    const onEnd = vi.fn();
    registerTaskEndListeners(actions, events, onEnd);
    const task = { taskSid: 'WT1', status: 'accepted', taskStatus: 'assigned' };
    actions.handlers.afterTransferTask[0]({ task, targetSid: 'WKother', options: { mode: 'COLD' } });
    // The transfer is under way: the task is still this agent's.
    events.handlers.taskUpdated[0]({ ...task, taskStatus: 'reserved' });
    expect(onEnd).not.toHaveBeenCalled();
    // The other agent took it: Flex wraps this agent's reservation up.
    events.handlers.taskWrapup[0]({ ...task, status: 'wrapping' });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(onEnd.mock.calls[0][0]).toMatchObject({ taskSid: 'WT1', reason: 'taskWrapup', transferred: true });
    // A task not transferred ends without the mark.
    events.handlers.taskCompleted[0]({ taskSid: 'WT2', status: 'completed' });
    expect(onEnd.mock.calls[1][0]).toEqual({ taskSid: 'WT2', task: { taskSid: 'WT2', status: 'completed' }, reason: 'taskCompleted' });
  });

  it('ends a transferred task on its reservation’s own wrapup/completed/canceled/rescinded/timeout event, then stops listening', () => {
    for (const name of RESERVATION_END_EVENTS) {
      const actions = emitter();
      const onEnd = vi.fn();
      // No Flex events at hand: the TaskRouter SDK's Reservation (ITask.sourceObject) says it.
      registerTaskEndListeners(actions, undefined, onEnd);
      const reservation = new FakeReservation();
      const task = { taskSid: 'WT1', status: 'accepted', sourceObject: reservation };
      actions.handlers.afterTransferTask[0]({ task, targetSid: 'WQqueue', options: { mode: 'COLD' } });
      expect(onEnd).not.toHaveBeenCalled();
      reservation.emit('accepted', reservation);
      expect(onEnd).not.toHaveBeenCalled();
      reservation.emit(name, reservation);
      expect(onEnd, name).toHaveBeenCalledTimes(1);
      expect(onEnd.mock.calls[0][0]).toMatchObject({ taskSid: 'WT1', transferred: true, reason: `reservation ${name} after transfer` });
      for (const other of RESERVATION_END_EVENTS) expect(reservation.listenerCount(other)).toBe(0);
    }
  });

  it('keeps a warm transfer’s call until this agent leaves the task', () => {
    const actions = emitter();
    const events = emitter();
    const onEnd = vi.fn();
    registerTaskEndListeners(actions, events, onEnd);
    const task = { taskSid: 'WT1', status: 'accepted', taskStatus: 'assigned' };
    actions.handlers.afterTransferTask[0]({ task, targetSid: 'WKother', options: { mode: 'WARM' } });
    events.handlers.taskUpdated[0](task);
    expect(onEnd).not.toHaveBeenCalled();
    actions.handlers.afterWrapupTask[0]({ task });
    expect(onEnd.mock.calls[0][0]).toMatchObject({ taskSid: 'WT1', reason: 'afterWrapupTask', transferred: true });
  });

  it('never lets a failing handler break Flex’s action', () => {
    const actions = emitter();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    registerTaskEndListeners(actions, undefined, () => {
      throw new Error('boom');
    });
    expect(() => actions.handlers.afterWrapupTask[0]({ task: { taskSid: 'WT1' } })).not.toThrow();
  });
});

describe('notification text', () => {
  it('includes the action, title, detail, field errors and request id', () => {
    const err = new ProblemError({
      title: 'Validation failed',
      status: 422,
      detail: 'The request has invalid fields.',
      code: 'validation_failed',
      request_id: 'req-1',
      errors: [{ field: 'task_sid', message: 'must start with WT' }],
    });
    expect(problemNotificationText(err, 'create')).toBe(
      'Could not start the video call: Validation failed — The request has invalid fields. — task_sid: must start with WT (request req-1)',
    );
    expect(problemNotificationText(new ProblemError({ title: 'Gone', status: 410, code: 'gone' }), 'token')).toBe(
      'Could not join the video room: Gone',
    );
  });

  it('tells the admin what to configure', () => {
    expect(configNotificationText(['videoEscalation.serviceBaseUrl is missing'])).toMatch(
      /serviceBaseUrl is missing.*ui_attributes\.videoEscalation/,
    );
  });
});
