import { describe, expect, it, vi } from 'vitest';
import { EscalationClient } from '../src/api/client';
import { ProblemError } from '../src/api/errors';
import { CC, jsonResponse, makeEscalation, problemResponse } from './helpers';

function client(fetchImpl: ReturnType<typeof vi.fn>, over: Partial<ConstructorParameters<typeof EscalationClient>[0]> = {}) {
  return new EscalationClient({
    baseUrl: 'https://video.example.com/',
    getToken: () => 'flex-token-123',
    fetch: fetchImpl as unknown as typeof fetch,
    backoffMs: () => 0,
    ...over,
  });
}

const body = { task_sid: 'WT1', conversation_sid: 'CH1', agent_name: 'Alice' };

describe('EscalationClient.createEscalation', () => {
  it('POSTs the body to the contact center with Authorization and Idempotency-Key', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(jsonResponse(201, makeEscalation()));
    const result = await client(fetchImpl).createEscalation(CC, body, 'task:WT1');

    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe(`https://video.example.com/v1/contact-centers/${CC}/escalations`);
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({
      Authorization: 'Bearer flex-token-123',
      'Idempotency-Key': 'task:WT1',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(init.body)).toEqual(body);
    expect(result.status).toBe(201);
    expect(result.replayed).toBe(false);
    expect(result.escalation.id).toBe(makeEscalation().id);
  });

  it('reports a 200 as a replay of the same key', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(jsonResponse(200, makeEscalation()));
    const result = await client(fetchImpl).createEscalation(CC, body, 'task:WT1');
    expect(result.replayed).toBe(true);
  });

  it('reads the Flex token on every call', async () => {
    let token = 'first';
    const fetchImpl = vi.fn().mockImplementation(async () => jsonResponse(201, makeEscalation()));
    const c = client(fetchImpl, { getToken: () => token });
    await c.createEscalation(CC, body, 'k');
    token = 'refreshed';
    await c.createEscalation(CC, body, 'k');
    expect(fetchImpl.mock.calls.map(([, init]) => init.headers.Authorization)).toEqual([
      'Bearer first',
      'Bearer refreshed',
    ]);
  });

  it('rejects an empty or over-long idempotency key without a request', async () => {
    const fetchImpl = vi.fn();
    await expect(client(fetchImpl).createEscalation(CC, body, '')).rejects.toThrow(RangeError);
    await expect(client(fetchImpl).createEscalation(CC, body, 'x'.repeat(201))).rejects.toThrow(RangeError);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('fails with a 401 problem and sends nothing when Flex has no token', async () => {
    const fetchImpl = vi.fn();
    const err = await client(fetchImpl, { getToken: () => undefined })
      .createEscalation(CC, body, 'k')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err.code).toBe('missing_flex_token');
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe('problem+json errors', () => {
  it('parses the problem into a typed ProblemError', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(
      problemResponse(422, {
        title: 'Validation failed',
        detail: 'The request has invalid fields.',
        code: 'validation_failed',
        request_id: 'req-42',
        errors: [{ field: 'conversation_sid', message: 'must start with CH' }],
      }),
    );
    const err = await client(fetchImpl)
      .createEscalation(CC, body, 'k')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({
      status: 422,
      title: 'Validation failed',
      detail: 'The request has invalid fields.',
      code: 'validation_failed',
      type: '/problems/validation_failed',
      requestId: 'req-42',
      errors: [{ field: 'conversation_sid', message: 'must start with CH' }],
    });
    expect(err.retryable).toBe(false);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });

  it('turns a non-JSON error into a ProblemError with the status and X-Request-Id', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(
      new Response('<html>Bad gateway</html>', { status: 404, statusText: 'Not Found', headers: { 'X-Request-Id': 'r-1' } }),
    );
    const err = await client(fetchImpl)
      .getEscalation('e1')
      .catch((e) => e);
    expect(err).toMatchObject({ status: 404, code: 'http_404', title: 'Not Found', requestId: 'r-1' });
  });

  it('reports an unreachable service as status 0, network_error', async () => {
    const fetchImpl = vi.fn().mockRejectedValue(new TypeError('fetch failed'));
    const err = await client(fetchImpl, { retries: 0 })
      .getEscalation('e1')
      .catch((e) => e);
    expect(err).toMatchObject({ status: 0, code: 'network_error', title: 'Could not reach the video service' });
  });
});

describe('retries', () => {
  it('retries a 503 and a network error with the same idempotency key', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(problemResponse(503, { title: 'Unavailable', detail: 'try again', code: 'unavailable' }))
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const result = await client(fetchImpl).createEscalation(CC, body, 'task:WT1');
    expect(result.escalation.id).toBe(makeEscalation().id);
    expect(fetchImpl).toHaveBeenCalledTimes(3);
    const keys = fetchImpl.mock.calls.map(([, init]) => init.headers['Idempotency-Key']);
    expect(keys).toEqual(['task:WT1', 'task:WT1', 'task:WT1']);
  });

  it('retries 409 escalation_in_progress but not other conflicts', async () => {
    const inProgress = vi
      .fn()
      .mockResolvedValueOnce(problemResponse(409, { title: 'Conflict', code: 'escalation_in_progress' }))
      .mockResolvedValueOnce(jsonResponse(200, makeEscalation()));
    await expect(client(inProgress).createEscalation(CC, body, 'k')).resolves.toMatchObject({ replayed: true });
    expect(inProgress).toHaveBeenCalledTimes(2);

    const reused = vi.fn().mockResolvedValue(problemResponse(409, { title: 'Conflict', code: 'idempotency_key_reused' }));
    await expect(client(reused).createEscalation(CC, body, 'k')).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(reused).toHaveBeenCalledTimes(1);
  });

  it('gives up after the configured retries with the last problem', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(problemResponse(503, { title: 'Unavailable', code: 'unavailable' }));
    await expect(client(fetchImpl, { retries: 1 }).getEscalation('e1')).rejects.toMatchObject({ status: 503 });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });
});

describe('other operations', () => {
  it('GET /v1/escalations/{id}, POST …/complete and …/agent-token, with the id encoded', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(200, makeEscalation()))
      .mockResolvedValueOnce(jsonResponse(200, makeEscalation({ status: 'completed' })))
      .mockResolvedValueOnce(
        jsonResponse(200, { token: 't', room_name: 'r', identity: 'agent:alice', expires_at: '2030-01-01T00:00:00Z' }),
      );
    const c = client(fetchImpl);
    await c.getEscalation('e 1');
    await c.completeEscalation('e1');
    const token = await c.createAgentToken('e1');
    expect(fetchImpl.mock.calls.map(([url, init]) => `${init.method} ${url}`)).toEqual([
      'GET https://video.example.com/v1/escalations/e%201',
      'POST https://video.example.com/v1/escalations/e1/complete',
      'POST https://video.example.com/v1/escalations/e1/agent-token',
    ]);
    for (const [, init] of fetchImpl.mock.calls) {
      expect(init.headers.Authorization).toBe('Bearer flex-token-123');
      expect(init.body).toBeUndefined();
    }
    expect(token.room_name).toBe('r');
  });
});

describe('reportAgentCallQuality', () => {
  const sample = { round_trip_ms: 48.2, packet_loss_percent: 0.4, relayed: false, bitrate_kbps: 812.5, reconnects: 0 };

  it('POSTs the sample to …/quality with the Flex token and takes the 204 (no body)', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(new Response(null, { status: 204 }));
    await expect(client(fetchImpl).reportAgentCallQuality('e1', sample)).resolves.toBeUndefined();
    const [url, init] = fetchImpl.mock.calls[0];
    expect(`${init.method} ${url}`).toBe('POST https://video.example.com/v1/escalations/e1/quality');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer flex-token-123', 'Content-Type': 'application/json' });
    expect(JSON.parse(init.body)).toEqual(sample);
  });

  it('never retries (the next sample comes a few seconds later; a 429 would only spend more of the limit)', async () => {
    for (const answer of [
      problemResponse(429, { title: 'Too many requests', code: 'rate_limited' }),
      problemResponse(503, { title: 'Unavailable', code: 'unavailable' }),
    ]) {
      const fetchImpl = vi.fn().mockResolvedValue(answer);
      await expect(client(fetchImpl).reportAgentCallQuality('e1', sample)).rejects.toBeInstanceOf(ProblemError);
      expect(fetchImpl).toHaveBeenCalledTimes(1);
    }
  });
});

describe('createSnapshot', () => {
  const saved = { id: 's1', escalation_id: 'e 1', created_at: '2026-12-07T10:00:00Z', taken_by: 'agent:alice', content_type: 'image/jpeg', width: 1280, height: 720, size_bytes: 3 };

  it('POSTs the picture’s bytes as they are, typed by the picture, with the Flex token, and reads the 201', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(jsonResponse(201, saved));
    const picture = new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' });
    await expect(client(fetchImpl).createSnapshot('e 1', picture)).resolves.toEqual(saved);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(`${init.method} ${url}`).toBe('POST https://video.example.com/v1/escalations/e%201/snapshots');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer flex-token-123', 'Content-Type': 'image/jpeg' });
    expect(init.body).toBe(picture);
  });

  it('never retries (a repeat would save it twice), and passes the problem on', async () => {
    for (const answer of [
      problemResponse(503, { title: 'Unavailable', code: 'unavailable' }),
      problemResponse(409, { title: 'Conflict', code: 'snapshot_limit_reached' }),
    ]) {
      const fetchImpl = vi.fn().mockResolvedValue(answer);
      const err = await client(fetchImpl).createSnapshot('e1', new Blob(['x'], { type: 'image/png' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProblemError);
      expect(fetchImpl).toHaveBeenCalledTimes(1);
    }
  });
});
