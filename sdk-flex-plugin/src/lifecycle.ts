/**
 * Ends the agent's video when the task ends: after Flex's WrapupTask and
 * CompleteTask actions, and on the task events Flex emits for a task that goes
 * away (wrapup, completed, canceled, rescinded, timeout).
 */
export interface ActionsLike {
  addListener(name: string, handler: (payload: any) => void): unknown;
}

export interface EventsLike {
  addListener(name: string, handler: (task: any) => void): unknown;
}

export const TASK_END_ACTIONS = ['afterWrapupTask', 'afterCompleteTask'] as const;
export const TASK_END_EVENTS = ['taskWrapup', 'taskCompleted', 'taskCanceled', 'taskRescinded', 'taskTimeout'] as const;

export interface EndedTask {
  taskSid: string;
  task?: any;
  reason: string;
}

function taskSidOf(payload: any): { taskSid?: string; task?: any } {
  const task = payload?.task ?? (payload?.taskSid ? payload : undefined);
  const taskSid: unknown = task?.taskSid ?? payload?.taskSid ?? payload?.sid;
  return { taskSid: typeof taskSid === 'string' ? taskSid : undefined, task };
}

export function registerTaskEndListeners(
  actions: ActionsLike,
  events: EventsLike | undefined,
  onTaskEnd: (ended: EndedTask) => void,
): void {
  const handle = (reason: string) => (payload: any) => {
    const { taskSid, task } = taskSidOf(payload);
    if (!taskSid) return;
    try {
      onTaskEnd({ taskSid, task, reason });
    } catch (err) {
      console.warn('[video-escalation] task end handler failed', err);
    }
  };
  for (const name of TASK_END_ACTIONS) actions.addListener(name, handle(name));
  if (events) for (const name of TASK_END_EVENTS) events.addListener(name, handle(name));
}
