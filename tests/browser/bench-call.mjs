// `scripts/bench call`: CALLS built-in test calls between two headless
// Chromium pages (the dashboard's test call as the agent, the join page as
// the customer), each measured from the customer's click on Join to each
// side playing the other's video (its first frame painted). Prints one JSON
// line: { agent_ms: [...], customer_ms: [...], phases: {...}, problems: [...] },
// where `phases` has, per side, when each step of the first connection was
// reached (ms after the click, one entry per call): the page's navigation,
// load and relay ask, made, offer or answer set, first relay candidate, ICE
// connected, DTLS connected, first video frame encoded, sent, received and
// decoded, first track.
//
//   node bench-call.mjs '{"base", "email", "password", "cc", "calls"}'
import { launch, twoPages } from './media.mjs';

const opts = JSON.parse(process.argv[2] || '{}');
const report = { agent_ms: [], customer_ms: [], phases: { agent: {}, customer: {} }, problems: [], console_errors: { agent: [], customer: [] } };

// In every page before its scripts: each peer connection notes when it got
// where (by this page's clock), for the phase breakdown.
const TRACE = () => {
  window.__rtc = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) {
    const pc = new Native(config);
    const t = { made: Date.now() };
    window.__rtc.push(t);
    const once = (name) => { if (!t[name]) t[name] = Date.now(); };
    pc.addEventListener('signalingstatechange', () => once(pc.signalingState === 'stable' ? 'negotiated' : 'described'));
    pc.addEventListener('icecandidate', (e) => { if (e.candidate && e.candidate.type === 'relay') once('relay_candidate'); });
    pc.addEventListener('iceconnectionstatechange', () => { if (pc.iceConnectionState === 'connected') once('ice_connected'); });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState !== 'connected' || t.dtls_connected) return;
      once('dtls_connected');
      // From DTLS to the first frame: when this side encoded its first video
      // frame, got the other's first video packet, and decoded its first frame.
      const until = Date.now() + 3000;
      const poll = () => pc.getStats().then((stats) => {
        stats.forEach((r) => {
          if (r.kind !== 'video') return;
          if (r.type === 'outbound-rtp' && r.framesEncoded > 0) once('first_encoded');
          if (r.type === 'outbound-rtp' && r.packetsSent > 0) once('first_sent');
          if (r.type === 'inbound-rtp' && r.packetsReceived > 0) once('first_received');
          if (r.type === 'inbound-rtp' && r.framesDecoded > 0) once('first_decoded');
        });
        if (!t.first_decoded && Date.now() < until) setTimeout(poll, 5);
      }, () => {});
      poll();
    });
    pc.addEventListener('track', () => once('track'));
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  // The page's own steps before any connection: the click, the credential, the signalling.
  window.__page = {};
  const mark = (name) => { if (!window.__page[name]) window.__page[name] = Date.now(); };
  window.__page.nav = Math.round(performance.timeOrigin);
  document.addEventListener('DOMContentLoaded', () => mark('dom_ready'));
  window.addEventListener('load', () => mark('loaded'));
  document.addEventListener('click', () => mark('click'), true);
  const nativeFetch = window.fetch;
  window.fetch = function (url, init) {
    const step = (/\/(token|network)(\?|$)/.exec(String(url)) || [])[1];
    if (step) mark(`${step}_asked`);
    const p = nativeFetch.call(this, url, init);
    if (step) p.then(() => mark(`${step}_answered`), () => {});
    return p;
  };
  const NativeWs = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    mark('socket_made');
    const ws = new NativeWs(url, protocols);
    ws.addEventListener('open', () => mark('socket_open'));
    ws.addEventListener('message', () => mark('welcomed'));
    return ws;
  };
  window.WebSocket.prototype = NativeWs.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
};
// The connection that carried the call: the one that got a track, made last.
const PHASES = (clickedAt) => {
  const used = (window.__rtc || []).filter((t) => t.track).pop();
  const out = {};
  for (const [k, v] of Object.entries({ ...(window.__page || {}), ...(used || {}) })) out[k] = v - clickedAt;
  window.__page = {};
  return out;
};
const keep = (side, phases) => {
  for (const [k, v] of Object.entries(phases)) (report.phases[side][k] ||= []).push(v);
};

// In the page: when the other side's video first paints, by this page's clock.
const WATCH = () => {
  window.__videoAt = 0;
  const look = () => {
    const v = document.querySelector('#remote video');
    if (v && typeof v.requestVideoFrameCallback === 'function' && !v.__watched) {
      v.__watched = true;
      v.requestVideoFrameCallback(() => { if (!window.__videoAt) window.__videoAt = Date.now(); });
    }
    if (!window.__videoAt) setTimeout(look, 5);
  };
  look();
};

const browser = await launch();
try {
  const { agent, customer } = await twoPages(browser, report.console_errors);
  await agent.addInitScript(TRACE);
  await customer.addInitScript(TRACE);
  await agent.goto(`${opts.base}/dashboard/login`);
  await agent.fill('input[name=email]', opts.email);
  await agent.fill('input[name=password]', opts.password);
  await Promise.all([agent.waitForNavigation(), agent.click('button[type=submit]')]);
  for (let i = 0; i < (opts.calls || 10); i++) {
    try {
      await agent.goto(`${opts.base}/dashboard/contact-centers/${opts.cc}/test-call`);
      await Promise.all([agent.waitForNavigation(), agent.click('#start-test-call')]);
      const link = await agent.inputValue('#customer-link');
      await agent.click('#join-button');
      await agent.waitForSelector('body[data-view=call]');
      await agent.evaluate(WATCH);
      await customer.goto(link);
      await customer.waitForSelector('#join-button:not([disabled])');
      await customer.evaluate(WATCH);
      const clickedAt = await customer.evaluate(() => Date.now());
      await customer.click('#join-button');
      const seen = async (page) => {
        await page.waitForFunction(() => window.__videoAt > 0, null, { timeout: 30000, polling: 20 });
        return page.evaluate(() => window.__videoAt);
      };
      const [a, c] = await Promise.all([seen(agent), seen(customer)]);
      report.agent_ms.push(a - clickedAt);
      report.customer_ms.push(c - clickedAt);
      keep('agent', await agent.evaluate(PHASES, clickedAt));
      keep('customer', await customer.evaluate(PHASES, clickedAt));
      await agent.click('#end-call-button');
      await customer.waitForSelector('body[data-view=ended]');
    } catch (err) {
      report.problems.push(`call ${i + 1}: ${err.message}`);
    }
  }
} catch (err) {
  report.problems.push(`browser: ${err.stack || err}`);
} finally {
  await browser.close().catch(() => {});
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}
