// What the two-page call scripts (call.mjs, plugin-call.mjs) share: the
// browser with fake camera and microphone, waiting, and what a page's peer
// connections say.
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Headless Chromium with fake devices (never downloaded: Debian's build).
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      // No mDNS host-name candidates: the tests read real (loopback) addresses.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
}

// Runs in the page: what its peer connections say (video frames decoded,
// audio bytes, every ICE candidate with its address: media must stay on
// loopback), and what the page shows. Both pages expose `window.escalateCall`
// with peerConnections() and peerCount().
export const STATS = async () => {
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
          selected = { local: l && { type: l.candidateType, address: l.address || l.ip, relay: l.relayProtocol || null }, remote: rc && { type: rc.candidateType, address: rc.address || rc.ip } };
        }
      }
    });
  }
  // The video the page plays as the other side's: the page's element, or
  // the Flex plugin session's remote stream (never the page's own camera).
  const el = document.querySelector('#remote video');
  const session = window.pluginSession;
  const stream = el && el.srcObject ? el.srcObject : session && session.state.remotes[0] && session.state.remotes[0].stream;
  const track = stream && stream.getVideoTracks()[0];
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

export async function stats(page) { return page.evaluate(STATS); }

/// Polls `fn` until it answers `{ ok: true, value }`; throws with the last value.
export async function until(what, fn, timeoutMs = 30000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last && last.ok) return last.value;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last && last.value)}`);
}

/// Frames decoded rising on the page: two samples 700 ms apart.
export async function framesRising(page, who, timeoutMs = 30000) {
  return until(`${who}'s remote video frames to rise`, async () => {
    const a = await stats(page);
    await sleep(700);
    const b = await stats(page);
    const ok = !!(a && b && b.frames > a.frames && b.frames > 0);
    return { ok, value: { before: a && a.frames, after: b && b.frames, stats: b } };
  }, timeoutMs, 100);
}

/// The agent's and the customer's pages, each in its own context with the
/// camera and microphone allowed, their console errors collected into
/// `consoleErrors.agent` / `.customer`. `contextOptions(who)` adds options.
export async function twoPages(browser, consoleErrors, contextOptions = () => ({})) {
  const pages = {};
  for (const who of ['agent', 'customer']) {
    const context = await browser.newContext({
      permissions: ['camera', 'microphone'],
      viewport: { width: 1100, height: 760 },
      ...contextOptions(who),
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) consoleErrors[who].push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors[who].push(String((e && e.stack) || e)));
    pages[who] = page;
  }
  return pages;
}
