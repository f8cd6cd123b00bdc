import type { TaskLike } from './task';
import { taskVideoAttributes } from './task';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './api/client';

/**
 * The Idempotency-Key for creating the escalation of a task: the same for every
 * click and retry of this task (one room, one chat message), and a new one only
 * after the task's previous escalation ended, so the agent can start another.
 * `endedAtLeast` covers the moment before Flex shows the task's new attributes.
 */
export function idempotencyKeyFor(task: TaskLike, endedAtLeast = 0): string {
  const ended = Math.max(taskVideoAttributes(task).ended ?? 0, endedAtLeast);
  const key = ended > 0 ? `task:${task.taskSid}:${ended}` : `task:${task.taskSid}`;
  return key.slice(0, MAX_IDEMPOTENCY_KEY_LENGTH);
}
