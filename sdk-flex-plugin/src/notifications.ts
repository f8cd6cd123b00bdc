import type { ProblemError } from './api/errors';
import type { EscalationAction } from './escalationStore';
import { defaultTranslate, type StringKey, type StringVars, type Translate } from './strings';
import { CallError, type EndReason } from './video/call';

/** Registered once in setup (src/setup.tsx); shown with `{ message }` as context. */
export const NOTIFICATION_IDS = {
  error: 'VideoEscalation.Error',
  configMissing: 'VideoEscalation.ConfigMissing',
  reconnecting: 'VideoEscalation.Reconnecting',
  reconnected: 'VideoEscalation.Reconnected',
  disconnected: 'VideoEscalation.Disconnected',
  /** Information, e.g. "open the Video tab" when the plugin could not show it itself. */
  info: 'VideoEscalation.Info',
} as const;

const ACTION_TEXT: Record<EscalationAction, StringKey> = {
  create: 'VideoEscalationErrorCreate',
  complete: 'VideoEscalationErrorComplete',
  token: 'VideoEscalationErrorToken',
  load: 'VideoEscalationErrorLoad',
  supervise: 'VideoEscalationErrorSupervise',
};

/**
 * The text of the error notification: what failed, the problem's title and
 * detail, the request id. A supervisor's join refused with 403 (the service
 * lets only Flex supervisors and admins join another agent's call) says so
 * in the agent's words instead of the service's.
 */
export function problemNotificationText(error: ProblemError, action: EscalationAction, t: Translate = defaultTranslate): string {
  if (action === 'supervise' && error.status === 403) {
    const text = `${t(ACTION_TEXT[action])}: ${t('VideoEscalationErrorNotSupervisor')}`;
    return error.requestId ? `${text} (request ${error.requestId})` : text;
  }
  const parts = [`${t(ACTION_TEXT[action])}: ${error.title}`];
  if (error.detail && error.detail !== error.title) parts.push(error.detail);
  for (const e of error.errors) parts.push(`${e.field}: ${e.message}`);
  let text = parts.join(' — ');
  if (error.requestId) text += ` (request ${error.requestId})`;
  return text;
}

export function configNotificationText(errors: string[], t: Translate = defaultTranslate): string {
  return t('VideoEscalationNotConfigured', { errors: errors.join('; ') });
}

/** Why a call ended, as one of the plugin's strings and its variables. */
export function endReasonString(reason: EndReason): { key: StringKey; vars?: StringVars } {
  switch (reason) {
    case 'left':
      return { key: 'VideoEscalationEndLeft' };
    case 'completed':
      return { key: 'VideoEscalationEndCompleted' };
    case 'lost':
    case 'unreachable':
      return { key: 'VideoEscalationEndLost' };
    case 'expired':
      return { key: 'VideoEscalationEndExpired' };
    case 'replaced':
      return { key: 'VideoEscalationEndReplaced' };
    case 'room_full':
      return { key: 'VideoEscalationEndRoomFull' };
    default:
      return { key: 'VideoEscalationEndRefused', vars: { reason } };
  }
}

/** Why a call ended, in the agent's words. */
export function endReasonText(reason: EndReason, t: Translate = defaultTranslate): string {
  const { key, vars } = endReasonString(reason);
  return t(key, vars);
}

/**
 * Why joining failed, for the agent: a CallError by its reason (the call
 * code leaves the words to its users, see CallError), anything else by its
 * message.
 */
export function callFailureText(err: unknown, t: Translate = defaultTranslate): string {
  if (!(err instanceof CallError)) return err instanceof Error ? err.message : String(err);
  const { reason, code } = err;
  const detail = code ? `${reason}, ${code}` : reason;
  switch (reason) {
    case 'unsupported':
      return t('VideoEscalationCallUnsupported');
    case 'unreachable':
      return t('VideoEscalationCallUnreachable');
    case 'room_full':
      return t('VideoEscalationCallRoomFull');
    case 'completed':
      return t('VideoEscalationCallCompleted');
    case 'unauthorized':
    case 'wrong_room':
      return t('VideoEscalationCallCredentialRefused', { detail });
    default:
      return t('VideoEscalationCallRefused', { detail });
  }
}

/** The part of Flex's Notifications API the plugin uses. */
export interface NotifierLike {
  registerNotification(notification: Record<string, unknown>): void;
  showNotification(id: string, context?: Record<string, unknown>): unknown;
  dismissNotificationById?(id: string): unknown;
}
