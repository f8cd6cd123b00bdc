import type { ProblemError } from './api/errors';
import type { EscalationAction } from './escalationStore';

export const NOTIFICATION_IDS = {
  error: 'VideoEscalation.Error',
  configMissing: 'VideoEscalation.ConfigMissing',
} as const;

const ACTION_TEXT: Record<EscalationAction, string> = {
  create: 'Could not start the video call',
  complete: 'Could not end the video call',
  token: 'Could not join the video room',
  load: 'Could not load the video call',
};

/** The text of the error notification: what failed, the problem's title and detail, the request id. */
export function problemNotificationText(error: ProblemError, action: EscalationAction): string {
  const parts = [`${ACTION_TEXT[action]}: ${error.title}`];
  if (error.detail && error.detail !== error.title) parts.push(error.detail);
  for (const e of error.errors) parts.push(`${e.field}: ${e.message}`);
  let text = parts.join(' — ');
  if (error.requestId) text += ` (request ${error.requestId})`;
  return text;
}

export function configNotificationText(errors: string[]): string {
  return (
    'Video escalation is not configured: ' +
    errors.join('; ') +
    '. Ask your Flex admin to set ui_attributes.videoEscalation (serviceBaseUrl, contactCenterId).'
  );
}

/** The part of Flex's Notifications API the plugin uses. */
export interface NotifierLike {
  registerNotification(notification: Record<string, unknown>): void;
  showNotification(id: string, context?: Record<string, unknown>): unknown;
}
