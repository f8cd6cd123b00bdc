/** The parts of a Flex task (ITask) the plugin uses. */
export interface TaskLike {
  taskSid: string;
  /** The reservation's sid. */
  sid?: string;
  /** The reservation's status: pending, accepted, wrapping, completed, canceled, … */
  status?: string;
  /** The task's status: reserved, assigned, wrapping, completed, canceled. */
  taskStatus?: string;
  taskChannelUniqueName?: string;
  attributes: Record<string, unknown>;
  setAttributes(attributes: Record<string, unknown>): Promise<unknown>;
}

/**
 * What the plugin keeps in the task's attributes, under `videoEscalation`:
 * the escalation's id and non-secret state only. Never the join URL (it holds
 * the customer's code) nor any token: task attributes are readable by every
 * worker, Studio flows, Insights and TaskRouter webhooks.
 */
export interface TaskVideoAttributes {
  escalationId?: string;
  status?: string;
  /** How many escalations of this task have ended (completed or failed). */
  ended?: number;
}

export const TASK_ATTRIBUTE = 'videoEscalation';
const ALLOWED_KEYS: readonly (keyof TaskVideoAttributes)[] = ['escalationId', 'status', 'ended'];

export function taskVideoAttributes(task: TaskLike): TaskVideoAttributes {
  return videoAttributesOf(task.attributes);
}

function videoAttributesOf(attributes: Record<string, unknown> | undefined): TaskVideoAttributes {
  const v = attributes?.[TASK_ATTRIBUTE];
  return typeof v === 'object' && v !== null ? (v as TaskVideoAttributes) : {};
}

/** Only the allowed keys: drops e.g. a `joinUrl` an older version of the plugin wrote. */
function sanitize(v: TaskVideoAttributes & Record<string, unknown>): TaskVideoAttributes {
  const out: Record<string, unknown> = {};
  for (const k of ALLOWED_KEYS) if (v[k] !== undefined) out[k] = v[k];
  return out as TaskVideoAttributes;
}

/** The Conversation behind a chat task: `conversationSid`, else the channel's sid. */
export function conversationSidOf(task: TaskLike): string | undefined {
  const a = task.attributes ?? {};
  for (const key of ['conversationSid', 'conversation_sid', 'channelSid']) {
    const v = a[key];
    if (typeof v === 'string' && v.startsWith('CH')) return v;
  }
  return undefined;
}

/**
 * Task channels of messaging tasks. Flex Conversations routes web chat, SMS,
 * WhatsApp and Messenger as `chat`; the others are the legacy channel names.
 * Email tasks (`email`) carry a conversationSid too, but are not chats.
 */
export const CHAT_TASK_CHANNELS: readonly string[] = ['chat', 'sms', 'whatsapp', 'messenger'];

/** A messaging task with a Conversation, whatever its state. */
export function isChatTask(task: TaskLike | undefined): boolean {
  if (!task || !task.taskChannelUniqueName || !CHAT_TASK_CHANNELS.includes(task.taskChannelUniqueName)) return false;
  return conversationSidOf(task) !== undefined;
}

/**
 * The agent holds the task: the reservation is accepted and the task assigned
 * (not reserved or pending, not wrapping, completed or canceled).
 */
export function isAssigned(task: TaskLike | undefined): boolean {
  if (!task) return false;
  const { status, taskStatus } = task;
  if (status === undefined && taskStatus === undefined) return false;
  const reservationOk = status === undefined || status === 'accepted' || status === 'assigned';
  const taskOk = taskStatus === undefined || taskStatus === 'assigned';
  return reservationOk && taskOk;
}

/** Where the header button and the Video tab show: an assigned chat task. */
export function isAssignedChatTask(task: TaskLike | undefined): boolean {
  return isChatTask(task) && isAssigned(task);
}

/**
 * Writes `videoEscalation` into the task's attributes, keeping every other
 * attribute. Flex's task API has no revision check (`ITask.setAttributes(attributes)`
 * and twilio-taskrouter's `Task.setAttributes(attributes)` take no revision or
 * If-Match), so the attributes are re-read just before writing (`latest`: the
 * freshest copy Flex holds) and only our key is changed; a write by someone
 * else in the same instant can still be lost.
 */
export async function mergeTaskVideoAttributes(
  task: TaskLike,
  patch: TaskVideoAttributes,
  latest?: (task: TaskLike) => Record<string, unknown> | undefined,
): Promise<void> {
  let current: Record<string, unknown> | undefined;
  try {
    current = latest?.(task);
  } catch {
    current = undefined;
  }
  current = current ?? task.attributes ?? {};
  const next = sanitize({ ...videoAttributesOf(current), ...patch } as TaskVideoAttributes & Record<string, unknown>);
  await task.setAttributes({ ...current, [TASK_ATTRIBUTE]: next });
}
