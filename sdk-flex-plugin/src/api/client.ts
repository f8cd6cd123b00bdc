import { networkProblem, problemFromResponse, ProblemError } from './errors';
import { ROUTES, type OperationId } from './routes';
import type { AgentToken, CreateEscalationRequest, Escalation, PathParamsOf, QualitySample, Snapshot, SuccessOf } from './types';

export interface EscalationClientOptions {
  /** The service's base URL, e.g. `https://video.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /** The agent's Flex token, read on every call (Flex refreshes it). */
  getToken: () => string | undefined | Promise<string | undefined>;
  fetch?: typeof fetch;
  /** Per attempt; default 15 s. */
  timeoutMs?: number;
  /** Extra attempts for calls that are safe to repeat (network errors, 429, 502–504); default 2. */
  retries?: number;
  /** Delay before retry n (1-based); default 300 ms × 2^(n-1) with jitter. */
  backoffMs?: (attempt: number) => number;
}

export interface CreateEscalationResult {
  escalation: Escalation;
  /** `true` when the service answered 200: the idempotency key was seen before. */
  replayed: boolean;
  status: number;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

interface RequestOptions<K extends OperationId> {
  path: PathParamsOf<K>;
  body?: unknown;
  headers?: Record<string, string>;
  retry: boolean;
}

/** A body as it goes: JSON, or a picture sent as it is (its type says what it is). */
type SendOptions = { body?: unknown; headers?: Record<string, string> };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The plugin's client for the Escalate service; typed by `../openapi.yaml`. */
export class EscalationClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: (attempt: number) => number;

  constructor(private readonly options: EscalationClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? ((n) => 300 * 2 ** (n - 1) * (0.5 + Math.random()));
  }

  /** `POST /v1/contact-centers/{cc}/escalations`; the same key returns the same escalation. */
  async createEscalation(
    contactCenterId: string,
    body: CreateEscalationRequest,
    idempotencyKey: string,
  ): Promise<CreateEscalationResult> {
    if (!idempotencyKey || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new RangeError(`idempotency key must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const { data, status } = await this.request('createEscalation', {
      path: { cc: contactCenterId },
      body,
      headers: { 'Idempotency-Key': idempotencyKey },
      retry: true,
    });
    return { escalation: data, replayed: status === 200, status };
  }

  /** `GET /v1/escalations/{id}`. */
  async getEscalation(id: string): Promise<Escalation> {
    return (await this.request('getEscalation', { path: { id }, retry: true })).data;
  }

  /** `POST /v1/escalations/{id}/complete`: ends the room and the customer's code. */
  async completeEscalation(id: string): Promise<Escalation> {
    return (await this.request('completeEscalation', { path: { id }, retry: true })).data;
  }

  /** `POST /v1/escalations/{id}/agent-token`: a fresh Video token for this room. */
  async createAgentToken(id: string): Promise<AgentToken> {
    return (await this.request('createAgentToken', { path: { id }, retry: true })).data;
  }

  /**
   * `POST /v1/escalations/{id}/quality`: one sample of the agent's Twilio call
   * (204). Never retried: the next sample comes a few seconds later, and a
   * retry after a 429 would only spend more of the limit.
   */
  async reportAgentCallQuality(id: string, sample: QualitySample): Promise<void> {
    await this.request('reportAgentCallQuality', { path: { id }, body: sample, retry: false });
  }

  /**
   * `POST /v1/escalations/{id}/snapshots`: saves a still of the call (the
   * picture's bytes as they are, typed by the Blob: `image/jpeg` or
   * `image/png`). Never retried: a repeat would save it twice.
   */
  async createSnapshot(id: string, picture: Blob): Promise<Snapshot> {
    return (await this.request('createSnapshot', { path: { id }, body: picture, retry: false })).data;
  }

  url(op: OperationId, pathParams: Record<string, string>): string {
    const path = ROUTES[op].path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = pathParams[name];
      if (value === undefined || value === '') throw new RangeError(`missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    return `${this.baseUrl}${path}`;
  }

  private async request<K extends OperationId>(
    op: K,
    opts: RequestOptions<K>,
  ): Promise<{ data: SuccessOf<K>; status: number }> {
    const route = ROUTES[op];
    const url = this.url(op, opts.path as Record<string, string>);
    const attempts = opts.retry ? this.retries + 1 : 1;
    let last: ProblemError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs(attempt - 1));
      try {
        return (await this.once(route.method, url, opts)) as { data: SuccessOf<K>; status: number };
      } catch (err) {
        if (!(err instanceof ProblemError) || !err.retryable) throw err;
        last = err;
      }
    }
    throw last;
  }

  private async once(method: string, url: string, opts: SendOptions): Promise<{ data: unknown; status: number }> {
    const token = await this.options.getToken();
    if (!token) {
      throw new ProblemError({
        title: 'Not signed in',
        status: 401,
        detail: 'Flex has no token for this agent; sign in to Flex again.',
        code: 'missing_flex_token',
      });
    }
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      Authorization: `Bearer ${token}`,
      ...opts.headers,
    };
    const raw = typeof Blob !== 'undefined' && opts.body instanceof Blob;
    if (raw) headers['Content-Type'] = (opts.body as Blob).type || 'application/octet-stream';
    else if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: method.toUpperCase(),
        headers,
        body: raw ? (opts.body as Blob) : opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: controller.signal,
      });
    } catch (err) {
      throw networkProblem(err, timedOut);
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok) throw await problemFromResponse(res);
    // No Content: the operations answering it have no body to give.
    if (res.status === 204) return { data: undefined, status: res.status };
    const text = await res.text();
    try {
      return { data: JSON.parse(text) as unknown, status: res.status };
    } catch {
      throw new ProblemError({
        title: 'Unexpected answer from the video service',
        status: res.status,
        detail: 'The answer was not JSON.',
        code: 'invalid_response',
        request_id: res.headers.get('x-request-id') ?? undefined,
      });
    }
  }
}
