/** The parts of a Flex task (ITask) the plugin uses. */
export interface TaskLike {
  taskSid: string;
  sid?: string;
  status?: string;
  taskChannelUniqueName?: string;
  attributes: Record<string, unknown>;
  setAttributes(attributes: Record<string, unknown>): Promise<unknown>;
}

/** What the plugin keeps in the task's attributes, under `videoEscalation`. */
export interface TaskVideoAttributes {
  escalationId?: string;
  status?: string;
  roomName?: string;
  joinUrl?: string;
  /** How many escalations of this task have ended (completed or failed). */
  ended?: number;
}

export const TASK_ATTRIBUTE = 'videoEscalation';

export function taskVideoAttributes(task: TaskLike): TaskVideoAttributes {
  const v = task.attributes?.[TASK_ATTRIBUTE];
  return typeof v === 'object' && v !== null ? (v as TaskVideoAttributes) : {};
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

export function isChatTask(task: TaskLike | undefined): boolean {
  if (!task || task.taskChannelUniqueName === 'voice') return false;
  return conversationSidOf(task) !== undefined;
}

/** Writes `videoEscalation` into the task's attributes, keeping every other attribute. */
export async function mergeTaskVideoAttributes(task: TaskLike, patch: TaskVideoAttributes): Promise<void> {
  const current = task.attributes ?? {};
  await task.setAttributes({ ...current, [TASK_ATTRIBUTE]: { ...taskVideoAttributes(task), ...patch } });
}
