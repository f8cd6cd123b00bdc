import type { operations, paths } from './generated/schema';

/** Where each operation the plugin uses lives. The type check below ties
 * every entry to `../openapi.yaml` once the operation is generated. */
export const ROUTES = {
  createEscalation: { method: 'post', path: '/v1/contact-centers/{cc}/escalations' },
  getEscalation: { method: 'get', path: '/v1/escalations/{id}' },
  completeEscalation: { method: 'post', path: '/v1/escalations/{id}/complete' },
  createAgentToken: { method: 'post', path: '/v1/escalations/{id}/agent-token' },
  reportAgentCallQuality: { method: 'post', path: '/v1/escalations/{id}/quality' },
  createSnapshot: { method: 'post', path: '/v1/escalations/{id}/snapshots' },
} as const;

export type OperationId = keyof typeof ROUTES;
export const REQUIRED_OPERATIONS = Object.keys(ROUTES) as OperationId[];

type Route<K extends OperationId> = (typeof ROUTES)[K];

/** `true` when the generated document has exactly this method and path for the operation. */
type RouteMatchesSpec<K extends OperationId> = K extends keyof operations
  ? Route<K>['path'] extends keyof paths
    ? Route<K>['method'] extends keyof paths[Route<K>['path']]
      ? [NonNullable<paths[Route<K>['path']][Route<K>['method']]>] extends [never]
        ? false
        : NonNullable<paths[Route<K>['path']][Route<K>['method']]> extends operations[K]
          ? true
          : false
      : false
    : false
  : false;

/**
 * If this fails to compile, an operation in openapi.yaml moved (path or
 * method) away from ROUTES: update ROUTES to match the generated document.
 */
export const ROUTES_MATCH_OPENAPI: { [K in OperationId]: RouteMatchesSpec<K> } = {
  createEscalation: true,
  getEscalation: true,
  completeEscalation: true,
  createAgentToken: true,
  reportAgentCallQuality: true,
  createSnapshot: true,
};
