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
  /** Flex's `ITask.channelType`: the `channelType` attribute, else the task channel. */
  channelType?: string;
  attributes: Record<string, unknown>;
  setAttributes(attributes: Record<string, unknown>): Promise<unknown>;
  /** Flex's `ITask.source`: the TaskRouter SDK's Task (its latest attributes and revision). */
  source?: TaskRouterTaskLike;
}

/** The parts of the TaskRouter SDK's `Task` (twilio-taskrouter 2.x) the plugin uses. */
export interface TaskRouterTaskLike {
  attributes?: Record<string, unknown>;
  /** The task's revision, sent as `If-Match` by `setAttributes` when the Worker has the version check on. */
  version?: string;
  /** Re-reads the task from TaskRouter (resolves to the updated Task). */
  fetchLatestVersion?(): Promise<unknown>;
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

/**
 * The parts of Flex's `TaskHelper` the plugin uses (`@twilio/flex-ui` 2.x,
 * public and typed): whether a task is chat-based (Flex's own rule: its
 * attributes carry a Conversation, or, with `useLegacyChatTaskConditional`,
 * its task channel has the chat capability), whether it is an email task,
 * and the task's Conversation SID. `setupPlugin` passes `flex.TaskHelper`.
 */
export interface TaskHelperLike {
  isChatBasedTask?(task: any): boolean;
  isEmailTask?(task: any): boolean;
  getTaskConversationSid?(task: any): string;
}

/** Calls a TaskHelper method; undefined when Flex has no such method or it throws (e.g. Flex not initialised). */
function ask<T>(helper: TaskHelperLike | undefined, method: keyof TaskHelperLike, task: TaskLike): T | undefined {
  const fn = helper?.[method] as ((task: unknown) => T) | undefined;
  if (typeof fn !== 'function') return undefined;
  try {
    return fn.call(helper, task);
  } catch {
    return undefined;
  }
}

/**
 * Without Flex's TaskHelper: its rule (`BaseTaskHelper.getTaskConversationSid`
 * of Flex 2.17): the `conversationSid` attribute, else `channelSid`, trimmed.
 */
function conversationSidFromAttributes(task: TaskLike): string | undefined {
  const a = task.attributes ?? {};
  for (const key of ['conversationSid', 'channelSid']) {
    const v = a[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/**
 * The Conversation behind a chat task, as Flex finds it:
 * `TaskHelper.getTaskConversationSid(task)`; without a TaskHelper (tests, the
 * node build) the same rule read from the attributes. No prefix is required:
 * the service checks the SID it is given.
 */
export function conversationSidOf(task: TaskLike, helper?: TaskHelperLike): string | undefined {
  const fromFlex = ask<string>(helper, 'getTaskConversationSid', task);
  if (typeof fromFlex === 'string') return fromFlex.trim() === '' ? undefined : fromFlex.trim();
  return conversationSidFromAttributes(task);
}

/** An email task (Flex's `TaskHelper.isEmailTask`, or the email channel): it carries a Conversation, but is not a chat. */
export function isEmailTask(task: TaskLike, helper?: TaskHelperLike): boolean {
  return ask<boolean>(helper, 'isEmailTask', task) === true || task.channelType === 'email' || task.taskChannelUniqueName === 'email';
}

/**
 * A chat task, whatever its state: Flex's `TaskHelper.isChatBasedTask(task)`
 * (so a tenant's own chat channels count), not an email task, with a
 * Conversation to send the link to. Where the Flex object has no
 * `isChatBasedTask` (or it throws), Flex's base rule: the task names a
 * Conversation.
 */
export function isChatTask(task: TaskLike | undefined, helper?: TaskHelperLike): boolean {
  if (!task) return false;
  if (isEmailTask(task, helper)) return false;
  const chatBased = ask<boolean>(helper, 'isChatBasedTask', task);
  if (chatBased === false) return false;
  return conversationSidOf(task, helper) !== undefined;
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

/** Where the header button shows: an assigned chat task. */
export function isAssignedChatTask(task: TaskLike | undefined, helper?: TaskHelperLike): boolean {
  return isChatTask(task, helper) && isAssigned(task);
}

/** How many times a write of the task's attributes is tried when TaskRouter refuses it for a newer revision. */
export const ATTRIBUTE_WRITE_ATTEMPTS = 3;

/**
 * TaskRouter refused the write because the task changed since it was read
 * (HTTP 412 on `If-Match`; the TaskRouter SDK reports it as "Request failed
 * with status code 412").
 */
export function isRevisionConflict(err: unknown): boolean {
  const e = err as { status?: unknown; code?: unknown; response?: { status?: unknown }; message?: unknown } | undefined;
  if (e?.status === 412 || e?.code === 412 || e?.response?.status === 412) return true;
  return typeof e?.message === 'string' && /status code 412\b|precondition failed/i.test(e.message);
}

/**
 * The task's attributes as TaskRouter has them now: `task.source` is the
 * TaskRouter SDK's Task behind Flex's ITask, and its `fetchLatestVersion()`
 * re-reads the task (attributes and revision). Without it (tests, the node
 * build) or when that read fails: `latest` (Flex's store), else `task.attributes`.
 */
async function freshestAttributes(
  task: TaskLike,
  latest?: (task: TaskLike) => Record<string, unknown> | undefined,
): Promise<Record<string, unknown>> {
  const source = task.source;
  if (source && typeof source.fetchLatestVersion === 'function') {
    try {
      const fetched = (await source.fetchLatestVersion()) as { attributes?: unknown } | undefined;
      const attrs = fetched?.attributes ?? source.attributes;
      if (attrs && typeof attrs === 'object') return attrs as Record<string, unknown>;
    } catch (err) {
      console.warn('[video-escalation] could not re-read the task from TaskRouter; writing over Flex’s copy', err);
    }
  }
  let current: Record<string, unknown> | undefined;
  try {
    current = latest?.(task);
  } catch {
    current = undefined;
  }
  return current ?? task.attributes ?? {};
}

/**
 * Writes `videoEscalation` into the task's attributes, changing no other key.
 *
 * The convention chosen, among what Flex 2.17.1 offers (see its typings):
 * - `ITask.setAttributes(attributes)` replaces the whole object; Flex's
 *   ITask passes it to the TaskRouter SDK's `Task.setAttributes`, which sends
 *   `If-Match: <task revision>` when the Worker was created with
 *   `enableVersionCheck` (Flex's `sdkOptions.worker`), and then TaskRouter
 *   refuses a write over a newer revision with 412. There is no
 *   `Task.updateAttributes` and no revision argument.
 * - Flex's `SetTaskAttributes` action (`mergeExisting: true`) lodash-merges
 *   the patch into Flex's in-memory copy of the attributes (mutating it before
 *   the write is done) with no re-read, and cannot drop a key of ours (an
 *   older plugin's `joinUrl`).
 * So the plugin re-reads the task from TaskRouter just before writing
 * (`task.source.fetchLatestVersion()`: attributes and revision), sets only its
 * own key on that, and writes with `task.setAttributes`; when TaskRouter
 * answers 412 (a concurrent write, with the version check on) it reads and
 * merges again, up to ATTRIBUTE_WRITE_ATTEMPTS times. Without the version
 * check a write by someone else in the instant between read and write can
 * still be lost.
 */
export async function mergeTaskVideoAttributes(
  task: TaskLike,
  patch: TaskVideoAttributes,
  latest?: (task: TaskLike) => Record<string, unknown> | undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await freshestAttributes(task, latest);
    const next = sanitize({ ...videoAttributesOf(current), ...patch } as TaskVideoAttributes & Record<string, unknown>);
    try {
      await task.setAttributes({ ...current, [TASK_ATTRIBUTE]: next });
      return;
    } catch (err) {
      if (attempt >= ATTRIBUTE_WRITE_ATTEMPTS || !isRevisionConflict(err)) throw err;
    }
  }
}
