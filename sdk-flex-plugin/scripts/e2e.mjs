#!/usr/bin/env node
// End-to-end check of the plugin's *built* client and escalation logic
// (build/node/escalation.mjs, made by `npm run build`) against a running service.
//
//   SERVICE_URL=http://127.0.0.1:8080 CONTACT_CENTER_ID=<uuid> FLEX_TOKEN=<agent's Flex token> npm run e2e
//
// Optional: TASK_SID (default: a random WT…), CONVERSATION_SID (default: a random CH…),
// E2E_COMPLETE=0 to leave the escalation open, E2E_TIMEOUT_MS (per request, default 15000),
// SIM_URL (the Twilio simulator's base URL: then also checks, through its /_sim/ API, that
// the repeated requests made exactly one room and posted exactly one chat message).
// Prints one JSON document of what happened; exits 1 on any failed check, 2 on bad input.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'build', 'node', 'escalation.mjs');

const env = (name) => (process.env[name] ?? '').trim();
const missing = ['SERVICE_URL', 'CONTACT_CENTER_ID', 'FLEX_TOKEN'].filter((n) => !env(n));
if (missing.length > 0 || !existsSync(built)) {
  console.log(
    JSON.stringify(
      {
        ok: false,
        error: missing.length > 0 ? `missing environment: ${missing.join(', ')}` : `not built: run npm run build first`,
      },
      null,
      2,
    ),
  );
  process.exit(2);
}

const { EscalationClient, EscalationStore, ProblemError, idempotencyKeyFor, readConfig } = await import(
  pathToFileURL(built).href
);

const hex = (n) => randomBytes(n).toString('hex');
const redact = (token) => (typeof token === 'string' ? `${token.slice(0, 12)}…(${token.length} chars)` : token);
const view = (e) => (e ? { ...e, agent_token: redact(e.agent_token), code: e.code ? `${e.code.slice(0, 3)}…` : e.code } : e);

const steps = [];
let failed = false;
let task;
const requests = [];
function check(name, ok, detail = {}) {
  steps.push({ step: name, ok, ...detail });
  if (!ok) failed = true;
  return ok;
}
function problem(err) {
  return err instanceof ProblemError ? err.toJSON() : { message: String(err?.stack ?? err) };
}

const config = readConfig({
  appConfig: { videoEscalation: { serviceBaseUrl: env('SERVICE_URL'), contactCenterId: env('CONTACT_CENTER_ID') } },
});
if (!check('config', config.ok, config.ok ? {} : { errors: config.errors })) finish();

const { serviceBaseUrl, contactCenterId } = config.config;
const flexToken = env('FLEX_TOKEN');
const client = new EscalationClient({
  baseUrl: serviceBaseUrl,
  getToken: () => flexToken,
  timeoutMs: Number(env('E2E_TIMEOUT_MS') || 15000),
  fetch: async (url, init) => {
    const res = await fetch(url, init);
    requests.push({
      method: init?.method,
      url: String(url).slice(serviceBaseUrl.length),
      idempotency_key: init?.headers?.['Idempotency-Key'],
      status: res.status,
      request_id: res.headers.get('x-request-id') ?? undefined,
    });
    return res;
  },
});

// A Flex task as the plugin sees it.
const attributes = { conversationSid: env('CONVERSATION_SID') || `CH${hex(16)}` };
task = {
  taskSid: env('TASK_SID') || `WT${hex(16)}`,
  taskChannelUniqueName: 'chat',
  attributes,
  async setAttributes(next) {
    task.attributes = next;
  },
};
const key = idempotencyKeyFor(task);
const body = { task_sid: task.taskSid, conversation_sid: attributes.conversationSid, agent_name: 'E2E Agent' };

try {
  // 1. Create: 201, open, with an agent token.
  const first = await client.createEscalation(contactCenterId, body, key);
  const e1 = first.escalation;
  check('create', first.status === 201 && e1.status === 'open' && !!e1.id && !!e1.join_url && !!e1.agent_token, {
    status: first.status,
    escalation: view(e1),
  });

  // 2. Same key again (a retry or double click): 200, the same escalation.
  const second = await client.createEscalation(contactCenterId, body, key);
  check('replay_same_key', second.status === 200 && second.replayed && second.escalation.id === e1.id, {
    status: second.status,
    same_id: second.escalation.id === e1.id,
    same_room: second.escalation.room_name === e1.room_name,
  });

  // 3. The plugin's store, fresh (another tab, a reload), double click: one request, same escalation,
  //    recorded in the task's attributes.
  const before = requests.length;
  const store = new EscalationStore({ client, contactCenterId, agentName: () => 'E2E Agent' });
  const [a, b] = await Promise.all([store.escalate(task), store.escalate(task)]);
  check('store_double_click', a?.id === e1.id && b?.id === e1.id && requests.length - before === 1, {
    requests_sent: requests.length - before,
    task_attributes: task.attributes.videoEscalation,
  });
  check('task_attributes', task.attributes.videoEscalation?.escalationId === e1.id && task.attributes.conversationSid === attributes.conversationSid);

  // 4. Read it back.
  const got = await client.getEscalation(e1.id);
  check('get', got.id === e1.id && got.status === 'open', { status: got.status });

  // 5. A fresh agent token for the same room.
  const token = await client.createAgentToken(e1.id);
  check('agent_token', !!token.token && token.room_name === e1.room_name && Date.parse(token.expires_at) > Date.now(), {
    room_name: token.room_name,
    identity: token.identity,
    expires_at: token.expires_at,
  });

  // 5b. With the simulator at hand: one room and one chat message, whatever the repeats.
  if (env('SIM_URL')) {
    const sim = env('SIM_URL').replace(/\/+$/, '');
    const [rooms, messages] = await Promise.all(
      ['rooms', 'messages'].map((what) => fetch(`${sim}/_sim/${what}`).then((r) => r.json())),
    );
    const ourRooms = rooms.filter((r) => r.unique_name === e1.room_name);
    const ourMessages = messages.filter((m) => m.conversation_sid === attributes.conversationSid);
    check('one_room_one_message', ourRooms.length === 1 && ourMessages.length === 1, {
      rooms: ourRooms.length,
      messages: ourMessages.length,
      message_body: ourMessages[0]?.body?.replace(e1.code, '<code>'),
    });
  }

  // 6. Errors: an unknown contact center answers a Flex token as a refused
  // token would (so ids cannot be probed), problem+json parsed into a ProblemError.
  try {
    await client.createEscalation('00000000-0000-4000-8000-000000000000', body, `${key}:e2e-unknown`);
    check('unknown_contact_center_is_refused', false, { detail: 'expected an error' });
  } catch (err) {
    check(
      'unknown_contact_center_is_refused',
      err instanceof ProblemError && err.status === 401 && err.code === 'invalid_flex_token' && !!err.title,
      { problem: problem(err) },
    );
  }

  // 7. End the video.
  if (env('E2E_COMPLETE') !== '0') {
    await store.complete(task);
    const done = await client.getEscalation(e1.id);
    check('complete', done.status === 'completed' && store.get(task.taskSid).phase === 'ended', {
      status: done.status,
      next_idempotency_key: idempotencyKeyFor(task),
    });
  }
} catch (err) {
  check('unexpected_error', false, { problem: problem(err) });
}
finish();

function finish() {
  console.log(
    JSON.stringify(
      { ok: !failed, service_url: env('SERVICE_URL'), contact_center_id: env('CONTACT_CENTER_ID'), task_sid: task?.taskSid, steps, requests },
      null,
      2,
    ),
  );
  process.exit(failed ? 1 : 0);
}
