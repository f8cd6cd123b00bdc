/**
 * Ends the agent's video when the task ends for them, whichever way it ends:
 * after Flex's WrapupTask, CompleteTask and TransferTask (a cold transfer:
 * the chat goes to someone else) actions, on the task events Flex emits for a
 * task that goes away (wrapup, completed, canceled, rejected, rescinded,
 * timeout), and on a taskUpdated whose reservation or task status says it has
 * ended (covers a transfer completed elsewhere and anything the events miss).
 * The handler may run more than once per task; it must be idempotent.
 */
export interface ActionsLike {
  addListener(name: string, handler: (payload: any) => void): unknown;
}

export interface EventsLike {
  addListener(name: string, handler: (task: any) => void): unknown;
}

export const TASK_END_ACTIONS = ['afterWrapupTask', 'afterCompleteTask', 'afterTransferTask'] as const;
export const TASK_END_EVENTS = [
  'taskWrapup',
  'taskCompleted',
  'taskCanceled',
  'taskRejected',
  'taskRescinded',
  'taskTimeout',
  'taskUpdated',
] as const;

/** Reservation statuses (ITask.status) and task statuses (ITask.taskStatus) of a task that ended for this agent. */
export const ENDED_RESERVATION_STATUSES: readonly string[] = ['wrapping', 'completed', 'canceled', 'rescinded', 'rejected', 'timeout'];
export const ENDED_TASK_STATUSES: readonly string[] = ['wrapping', 'completed', 'canceled'];

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

/** A cold transfer hands the chat over; a warm one keeps this agent in it (until they leave). */
function isTransferAway(payload: any): boolean {
  const mode = payload?.options?.mode;
  return typeof mode !== 'string' || mode.toUpperCase() !== 'WARM';
}

function hasEnded(task: any): boolean {
  return ENDED_RESERVATION_STATUSES.includes(task?.status) || ENDED_TASK_STATUSES.includes(task?.taskStatus);
}

export function registerTaskEndListeners(
  actions: ActionsLike,
  events: EventsLike | undefined,
  onTaskEnd: (ended: EndedTask) => void,
): void {
  const handle = (reason: string, when: (payload: any) => boolean = () => true) => (payload: any) => {
    if (!when(payload)) return;
    const { taskSid, task } = taskSidOf(payload);
    if (!taskSid) return;
    try {
      onTaskEnd({ taskSid, task, reason });
    } catch (err) {
      console.warn('[video-escalation] task end handler failed', err);
    }
  };
  for (const name of TASK_END_ACTIONS) {
    actions.addListener(name, handle(name, name === 'afterTransferTask' ? isTransferAway : undefined));
  }
  if (events) {
    for (const name of TASK_END_EVENTS) events.addListener(name, handle(name, name === 'taskUpdated' ? hasEnded : undefined));
  }
}
