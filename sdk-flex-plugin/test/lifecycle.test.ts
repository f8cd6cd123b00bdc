import { describe, expect, it, vi } from 'vitest';
import { registerTaskEndListeners, TASK_END_ACTIONS, TASK_END_EVENTS } from '../src/lifecycle';
import { problemNotificationText, configNotificationText } from '../src/notifications';
import { ProblemError } from '../src/api/errors';

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
