import type { Problem } from './types';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Every failure of a call to the service: an `application/problem+json`
 * answer, any other non-2xx answer, or no answer at all (`status` 0).
 */
export class ProblemError extends Error {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly requestId?: string;
  readonly errors: FieldError[];

  constructor(problem: {
    type?: string;
    title: string;
    status: number;
    detail?: string;
    code: string;
    request_id?: string;
    errors?: FieldError[];
  }) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ProblemError';
    this.type = problem.type ?? 'about:blank';
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail ?? '';
    this.code = problem.code;
    this.requestId = problem.request_id;
    this.errors = problem.errors ?? [];
  }

  /** Whether trying again (with the same idempotency key) may succeed. */
  get retryable(): boolean {
    if (this.status === 409) return this.code === 'escalation_in_progress';
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  toJSON(): Problem & { name: string } {
    return {
      name: this.name,
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      request_id: this.requestId,
      errors: this.errors,
    } as Problem & { name: string };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns a non-2xx answer into a ProblemError, whatever its body. */
export async function problemFromResponse(res: Response): Promise<ProblemError> {
  const text = await res.text().catch(() => '');
  const requestId = res.headers.get('x-request-id') ?? undefined;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.title === 'string') {
    const errors = Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
      : [];
    return new ProblemError({
      type: typeof body.type === 'string' ? body.type : undefined,
      title: body.title,
      status: typeof body.status === 'number' ? body.status : res.status,
      detail: typeof body.detail === 'string' ? body.detail : undefined,
      code: typeof body.code === 'string' ? body.code : `http_${res.status}`,
      request_id: typeof body.request_id === 'string' ? body.request_id : requestId,
      errors,
    });
  }
  return new ProblemError({
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: text.slice(0, 300) || `The video service answered ${res.status}.`,
    code: `http_${res.status}`,
    request_id: requestId,
  });
}

export function networkProblem(cause: unknown, timedOut: boolean): ProblemError {
  let reason = cause instanceof Error ? cause.message : String(cause);
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (inner && (inner.code || inner.message)) reason += ` (${String(inner.code ?? inner.message)})`;
  return new ProblemError({
    title: 'Could not reach the video service',
    status: 0,
    detail: timedOut ? 'The request timed out.' : `${reason}. Check the service URL and your network.`,
    code: timedOut ? 'timeout' : 'network_error',
  });
}
