/**
 * Ends the agent's video when the task ends for them, whichever way it ends:
 * after Flex's WrapupTask and CompleteTask actions, on the task events Flex
 * emits for this agent's reservation when the task goes away (wrapup,
 * completed, canceled, rejected, rescinded, timeout), and on a taskUpdated
 * whose reservation or task status says it has ended (covers anything the
 * events miss).
 *
 * A transfer does not end it by itself: Flex's TransferTask resolves once the
 * transfer is *asked for*, while the other agent (or queue) has not taken the
 * chat yet, and the transfer may still fail, be declined or time out, leaving
 * the chat with this agent. So `afterTransferTask` only notes the transfer;
 * the call ends when this agent's reservation is really handed off: Flex's
 * `taskWrapup`/`taskCompleted`/`taskCanceled`/`taskRescinded` events (Flex's
 * names for the reservation's own events), a `taskUpdated` with an ended
 * reservation status, or the reservation's own `wrapup`, `completed`,
 * `canceled`, `rescinded` or `timeout` event (`ITask.sourceObject`, the
 * TaskRouter SDK's Reservation), listened to from the transfer on. The
 * end then carries `transferred: true`.
 *
 * The handler may run more than once per task; it must be idempotent.
 */
export interface ActionsLike {
  addListener(name: string, handler: (payload: any) => void): unknown;
}

export interface EventsLike {
  addListener(name: string, handler: (task: any) => void): unknown;
}

/** The Flex actions listened to: WrapupTask and CompleteTask end the task for the agent; TransferTask notes a transfer under way. */
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
/** The TaskRouter SDK Reservation's events (`ITask.sourceObject`) that hand a transferred task off. */
export const RESERVATION_END_EVENTS = ['wrapup', 'completed', 'canceled', 'rescinded', 'timeout'] as const;

/** Reservation statuses (ITask.status) and task statuses (ITask.taskStatus) of a task that ended for this agent. */
export const ENDED_RESERVATION_STATUSES: readonly string[] = ['wrapping', 'completed', 'canceled', 'rescinded', 'rejected', 'timeout'];
export const ENDED_TASK_STATUSES: readonly string[] = ['wrapping', 'completed', 'canceled'];

export interface EndedTask {
  taskSid: string;
  task?: any;
  reason: string;
  /** The task had been transferred by this agent (TransferTask) before it ended for them. */
  transferred?: boolean;
}

function taskSidOf(payload: any): { taskSid?: string; task?: any } {
  const task = payload?.task ?? (payload?.taskSid ? payload : undefined);
  const taskSid: unknown = task?.taskSid ?? payload?.taskSid ?? payload?.sid;
  return { taskSid: typeof taskSid === 'string' ? taskSid : undefined, task };
}

function hasEnded(task: any): boolean {
  return ENDED_RESERVATION_STATUSES.includes(task?.status) || ENDED_TASK_STATUSES.includes(task?.taskStatus);
}

/** The TaskRouter SDK's Reservation behind a Flex task (an EventEmitter), where there is one. */
interface ReservationLike {
  on?(event: string, handler: (...args: unknown[]) => void): unknown;
  once?(event: string, handler: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, handler: (...args: unknown[]) => void): unknown;
}

interface PendingTransfer {
  /** Removes the listeners put on the reservation. */
  release: () => void;
}

export function registerTaskEndListeners(
  actions: ActionsLike,
  events: EventsLike | undefined,
  onTaskEnd: (ended: EndedTask) => void,
): void {
  const transfers = new Map<string, PendingTransfer>();

  const end = (taskSid: string, task: any, reason: string) => {
    const transfer = transfers.get(taskSid);
    if (transfer) {
      transfers.delete(taskSid);
      transfer.release();
    }
    try {
      onTaskEnd({ taskSid, task, reason, ...(transfer ? { transferred: true } : {}) });
    } catch (err) {
      console.warn('[video-escalation] task end handler failed', err);
    }
  };

  const handle = (reason: string, when: (payload: any) => boolean = () => true) => (payload: any) => {
    if (!when(payload)) return;
    const { taskSid, task } = taskSidOf(payload);
    if (!taskSid) return;
    end(taskSid, task, reason);
  };

  /** TransferTask resolved: the transfer is asked for, not done. Wait for the reservation to be handed off. */
  const transferStarted = (payload: any) => {
    const { taskSid, task } = taskSidOf(payload);
    if (!taskSid) return;
    transfers.get(taskSid)?.release();
    const reservation = task?.sourceObject as ReservationLike | undefined;
    const handlers: Array<[string, () => void]> = [];
    if (reservation && typeof reservation.on === 'function') {
      for (const name of RESERVATION_END_EVENTS) {
        const handler = () => end(taskSid, task, `reservation ${name} after transfer`);
        handlers.push([name, handler]);
        (reservation.once ?? reservation.on).call(reservation, name, handler);
      }
    }
    // Cold or warm alike: in a warm transfer this agent stays on the chat until they leave it.
    transfers.set(taskSid, {
      release: () => {
        for (const [name, handler] of handlers) reservation?.removeListener?.(name, handler);
      },
    });
  };

  for (const name of TASK_END_ACTIONS) {
    actions.addListener(name, name === 'afterTransferTask' ? transferStarted : handle(name));
  }
  if (events) {
    for (const name of TASK_END_EVENTS) events.addListener(name, handle(name, name === 'taskUpdated' ? hasEnded : undefined));
  }
}
