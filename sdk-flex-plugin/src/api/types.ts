/**
 * API types, all derived from the code generated out of `../openapi.yaml`
 * (src/api/generated/schema.ts, by `npm run generate`): when an operation the
 * plugin uses changes there, the plugin stops compiling.
 */
import type { components, operations } from './generated/schema';
import type { OperationId } from './routes';

export type Operations = Pick<operations, OperationId>;

type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : never;

export type RequestBodyOf<K extends OperationId> = Operations[K] extends { requestBody?: infer B }
  ? ContentOf<NonNullable<B>>
  : never;

export type SuccessOf<K extends OperationId> = Operations[K] extends { responses: infer R }
  ? ContentOf<R[Extract<keyof R, 200 | 201>]>
  : never;

export type PathParamsOf<K extends OperationId> = Operations[K] extends { parameters: { path?: infer P } }
  ? NonNullable<P>
  : never;

export type Problem = components['schemas']['Problem'];
export type Escalation = SuccessOf<'createEscalation'>;
export type EscalationStatus = Escalation['status'];
export type AgentToken = SuccessOf<'createAgentToken'>;
export type CreateEscalationRequest = RequestBodyOf<'createEscalation'>;
/** One summary of the call's WebRTC statistics (see src/video/quality.ts). */
export type QualitySample = RequestBodyOf<'reportAgentCallQuality'>;
/** A saved snapshot of the call (its picture is not in it). */
export type Snapshot = SuccessOf<'createSnapshot'>;
/** What the customer's page may prepare before the click on Join (a built-in call's ICE servers). */
export type JoinNetwork = components['schemas']['JoinNetwork'];
