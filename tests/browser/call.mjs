// A real call between two headless Chromium pages (fake camera and
// microphone): the dashboard's test call as the agent, the join page as the
// customer. Prints one JSON report on stdout for the Rust test to assert on.
//
//   node call.mjs '<json options>'
//
// options: { agent_base, email, password, agent_url, customer_url,
//            phases: ["connect", "mute", "drop-signaling", "drop-turn", "end"],
//            turn: { pid, command, args } }   // for drop-turn: kill and restart TURN
//
// Each phase records what it saw; a phase that times out records its error
// and the walk stops there (later phases would only repeat the failure).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const opts = JSON.parse(process.argv[2] || '{}');
const phases = opts.phases || ['connect', 'mute', 'end'];
const report = { phases: {}, problems: [], console_errors: { agent: [], customer: [] }, candidates: [] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What the page's peer connections say: video frames decoded, audio bytes,
// and every ICE candidate with its address (media must stay on loopback).
const STATS = async () => {
  const call = window.escalateCall;
  if (!call || !call.peerConnections) return null;
  let frames = 0, audioBytes = 0, videoBytes = 0;
  const candidates = [];
  let selected = null;
  const transceivers = [];
  for (const pc of call.peerConnections()) {
    pc.getTransceivers().forEach((t) => transceivers.push([t.mid, t.direction, t.currentDirection, t.sender.track && t.sender.track.kind, t.receiver.track && t.receiver.track.kind]));
    const stats = await pc.getStats();
    const byId = new Map();
    stats.forEach((r) => byId.set(r.id, r));
    stats.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') { frames += r.framesDecoded || 0; videoBytes += r.bytesReceived || 0; }
      if (r.type === 'inbound-rtp' && r.kind === 'audio') audioBytes += r.bytesReceived || 0;
      if (r.type === 'local-candidate' || r.type === 'remote-candidate') {
        candidates.push({ side: r.type, type: r.candidateType, address: r.address || r.ip, port: r.port, relay: r.relayProtocol || null });
      }
      if (r.type === 'transport' && r.selectedCandidatePairId) {
        const pair = byId.get(r.selectedCandidatePairId);
        if (pair) {
          const l = byId.get(pair.localCandidateId), rc = byId.get(pair.remoteCandidateId);
          selected = { local: l && { type: l.candidateType, address: l.address || l.ip }, remote: rc && { type: rc.candidateType, address: rc.address || rc.ip } };
        }
      }
    });
  }
  const remote = document.querySelector('#remote video');
  const track = remote && remote.srcObject && remote.srcObject.getVideoTracks()[0];
  return {
    frames, audioBytes, videoBytes, candidates, selected, transceivers,
    localTracks: (() => { const v = document.querySelector('#self video'); return v && v.srcObject ? v.srcObject.getTracks().length : 0; })(),
    peers: call.peerCount(),
    remoteTrackLabel: track ? track.label : null,
    remoteState: (() => { const s = document.getElementById('remote-state'); return s ? { audio: s.dataset.audio, video: s.dataset.video, text: s.textContent, hidden: s.hidden } : null; })(),
    view: document.body.dataset.view || null,
    call: document.body.dataset.call || null,
  };
};

async function stats(page) { return page.evaluate(STATS); }

async function until(what, fn, timeoutMs = 30000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last && last.ok) return last.value;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last && last.value)}`);
}

/// Frames decoded rising on the page: two samples `gapMs` apart.
async function framesRising(page, who, timeoutMs = 30000) {
  return until(`${who}'s remote video frames to rise`, async () => {
    const a = await stats(page);
    await sleep(700);
    const b = await stats(page);
    const ok = !!(a && b && b.frames > a.frames && b.frames > 0);
    return { ok, value: { before: a && a.frames, after: b && b.frames, stats: b } };
  }, timeoutMs, 100);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    // No mDNS host-name candidates: the tests read real (loopback) addresses.
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ],
});
let restartedTurn = null;
try {
  const contexts = {};
  const pages = {};
  for (const who of ['agent', 'customer']) {
    contexts[who] = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1100, height: 760 } });
    const page = await contexts[who].newPage();
    page.setDefaultTimeout(20000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) report.console_errors[who].push(m.text());
    });
    page.on('pageerror', (e) => report.console_errors[who].push(String(e && e.stack || e)));
    pages[who] = page;
  }
  const { agent, customer } = pages;

  for (const phase of phases) {
    const t0 = Date.now();
    try {
      if (phase === 'connect') {
        await agent.goto(`${opts.agent_base}/dashboard/login`);
        await agent.fill('input[name=email]', opts.email);
        await agent.fill('input[name=password]', opts.password);
        await Promise.all([agent.waitForNavigation(), agent.click('button[type=submit]')]);
        await agent.goto(opts.agent_url);
        await agent.click('#join-button');
        await agent.waitForSelector('body[data-view=call]');
        await customer.goto(opts.customer_url);
        await customer.click('#join-button');
        await customer.waitForSelector('body[data-view=call]');
        const a = await framesRising(agent, 'agent');
        const c = await framesRising(customer, 'customer');
        report.phases.connect = { agent: a, customer: c, ms: Date.now() - t0 };
      } else if (phase === 'mute') {
        await agent.click('#call-mic');
        const muted = await until('the customer to see the agent muted', async () => {
          const s = await stats(customer);
          return { ok: s && s.remoteState && s.remoteState.audio === 'false', value: s && s.remoteState };
        }, 10000);
        await agent.click('#call-cam');
        const cameraOff = await until('the customer to see the agent camera off', async () => {
          const s = await stats(customer);
          return { ok: s && s.remoteState && s.remoteState.video === 'false', value: s && s.remoteState };
        }, 10000);
        await agent.click('#call-mic');
        await agent.click('#call-cam');
        const back = await until('the customer to see the agent back on', async () => {
          const s = await stats(customer);
          return { ok: s && s.remoteState && s.remoteState.audio === 'true' && s.remoteState.video === 'true', value: s && s.remoteState };
        }, 10000);
        report.phases.mute = { muted, cameraOff, back, ms: Date.now() - t0 };
      } else if (phase === 'drop-signaling') {
        const before = await stats(customer);
        await customer.evaluate(() => window.escalateCall.dropSignaling());
        const reconnected = await until('the customer signalling to come back', async () => {
          const s = await stats(customer);
          return { ok: s && s.call === 'connected' && Date.now() - t0 > 300, value: s && s.call };
        }, 20000);
        // Signalling works again: a state change reaches the other side.
        await customer.click('#call-mic');
        const seen = await until('the agent to see the customer muted after the reconnect', async () => {
          const s = await stats(agent);
          return { ok: s && s.remoteState && s.remoteState.audio === 'false', value: s && s.remoteState };
        }, 10000);
        await customer.click('#call-mic');
        const c = await framesRising(customer, 'customer', 15000);
        report.phases['drop-signaling'] = { before_frames: before && before.frames, reconnected, seen, customer: c, ms: Date.now() - t0 };
      } else if (phase === 'drop-turn') {
        // The media path itself: stop the TURN server (every relay goes),
        // start it again, and both sides must restart ICE and play again.
        process.kill(opts.turn.pid, 'SIGKILL');
        await until('both pages to notice the media path is gone', async () => {
          const [a, c] = [await stats(agent), await stats(customer)];
          return { ok: a && c && a.call === 'reconnecting' && c.call === 'reconnecting', value: [a && a.call, c && c.call] };
        }, 30000, 200).catch((e) => { report.problems.push(`drop-turn: ${e.message}`); });
        // Detached and unreferenced: the test harness owns (and kills) it by
        // pid, and it must not keep this script alive after the report.
        restartedTurn = spawn(opts.turn.command, opts.turn.args, { stdio: 'ignore', detached: true });
        restartedTurn.unref();
        await sleep(500);
        const a = await framesRising(agent, 'agent after the TURN restart', 45000);
        const c = await framesRising(customer, 'customer after the TURN restart', 45000);
        report.phases['drop-turn'] = { agent: a, customer: c, turn_pid: restartedTurn.pid, ms: Date.now() - t0 };
      } else if (phase === 'end') {
        await agent.click('#end-call-button');
        await agent.waitForSelector('body[data-view=ended]');
        await customer.waitForSelector('body[data-view=ended]');
        const text = await customer.evaluate(() => document.querySelector('#ended').innerText);
        report.phases.end = { customer_text: text, ms: Date.now() - t0 };
      }
    } catch (err) {
      report.problems.push(`${phase}: ${err.message}`);
      for (const who of ['agent', 'customer']) {
        try { await pages[who].screenshot({ path: `${opts.artifacts || '/tmp'}/call-${phase}-${who}-failure.png` }); } catch (_) { /* closed */ }
      }
      break;
    }
  }
  for (const who of ['agent', 'customer']) {
    const s = await stats(pages[who]).catch(() => null);
    if (s) report.candidates.push(...s.candidates.map((c) => ({ who, ...c })));
  }
} catch (err) {
  report.problems.push(`browser: ${err.stack || err}`);
} finally {
  await browser.close().catch(() => {});
  report.restarted_turn_pid = restartedTurn ? restartedTurn.pid : null;
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}
