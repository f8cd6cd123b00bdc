/**
 * The plugin's API client and escalation logic without React or Flex: built
 * to build/node/escalation.mjs for the end-to-end script (scripts/e2e.mjs).
 */
export { EscalationClient, MAX_IDEMPOTENCY_KEY_LENGTH } from './api/client';
export { ProblemError } from './api/errors';
export { REQUIRED_OPERATIONS, ROUTES } from './api/routes';
export { EscalationStore } from './escalationStore';
export { idempotencyKeyFor } from './idempotency';
export { readConfig } from './config';
