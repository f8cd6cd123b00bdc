// A real built-in call between two headless Chromium pages (fake camera and
// microphone): the Flex plugin's own call layer as the agent (the browser
// bundle sdk-flex-plugin/build/browser/plugin-video.js, global
// EscalatePluginVideo: the same src/video code the plugin runs in Flex),
// the join page as the customer. Prints one JSON report on stdout.
//
//   node plugin-call.mjs '<json options>'
//
// options: { service_url,   // the service's base URL, e.g. http://127.0.0.1:8080
//            grant,         // the agent's token answer (POST /v1/escalations/{id}/agent-token), provider builtin
//            customer_url,  // the join page, {service_url}/join/{code}
//            bundle,        // path of sdk-flex-plugin/build/browser/plugin-video.js
//            phases,        // default ["connect", "mute", "end"]
//            artifacts }    // where failure screenshots go (default /tmp)
//
// report keys:
//   phases.connect  { agent: {before, after, stats}, customer: {before, after, stats}, ms }
//                   video frames decoded rising on both pages (two getStats samples)
//   phases.mute     { muted: <customer's #remote-state dataset>, agent_sent_state: <plugin snapshot>,
//                     unmuted: <#remote-state after unmuting>, ms }
//   phases.end      { agent_end_reason, customer_view, customer_call, customer_text, customer_waiting_text, ms }
//                   the agent leaves through the plugin session; what the join page shows after
//   problems        [ "<phase>: <error>" ]: empty when every phase passed
//   console_errors  { agent: [...], customer: [...] }
//   candidates      [ { who, side, type, address, port, relay } ]: every ICE candidate of both pages
//   agent_session   the plugin session's last snapshot (provider, status, remotes, endReason)
//
// A phase that times out records its error and the walk stops there.
import { framesRising, launch, sleep, stats, twoPages, until } from './media.mjs';

const opts = JSON.parse(process.argv[2] || '{}');
const phases = opts.phases || ['connect', 'mute', 'end'];
const report = { phases: {}, problems: [], console_errors: { agent: [], customer: [] }, candidates: [], agent_session: null };

// The plugin session's snapshot on the agent page (streams left out).
const SESSION = () => {
  const s = window.pluginSession;
  if (!s) return null;
  const st = s.state;
  return {
    provider: st.provider, connected: st.connected, status: st.status, micEnabled: st.micEnabled,
    cameraEnabled: st.cameraEnabled, endReason: st.endReason || null, localTracks: st.localStream ? st.localStream.getTracks().length : 0,
    remotes: st.remotes.map((r) => ({ identity: r.identity, name: r.name, role: r.role, audio: r.audio, video: r.video, tracks: r.stream ? r.stream.getTracks().length : 0 })),
  };
};

const browser = await launch();
try {
  const pages = await twoPages(browser, report.console_errors, (who) => ({
    // The agent page is the service's /healthz with the plugin bundle added.
    bypassCSP: who === 'agent',
  }));
  const { agent, customer } = pages;

  for (const phase of phases) {
    const t0 = Date.now();
    try {
      if (phase === 'connect') {
        // A secure-context origin (127.0.0.1) for getUserMedia; the page itself does not matter.
        await agent.goto(`${opts.service_url}/healthz`);
        await agent.addScriptTag({ path: opts.bundle });
        await agent.evaluate(async (grant) => {
          // Joins as the plugin does: getUserMedia (the fake devices), then the grant's provider.
          const session = await window.EscalatePluginVideo.join(grant);
          window.pluginSession = session;
          window.escalateCall = {
            peerConnections: () => session.call.peerConnections(),
            peerCount: () => session.state.remotes.length,
          };
        }, opts.grant);
        const provider = await agent.evaluate(() => window.pluginSession.state.provider);
        if (provider !== 'builtin') throw new Error(`the plugin joined with provider ${provider}, expected builtin`);
        await customer.goto(opts.customer_url);
        await customer.click('#join-button');
        await customer.waitForSelector('body[data-view=call]');
        const a = await framesRising(agent, 'agent');
        const c = await framesRising(customer, 'customer');
        report.phases.connect = { agent: a, customer: c, agent_session: await agent.evaluate(SESSION), ms: Date.now() - t0 };
      } else if (phase === 'mute') {
        await agent.evaluate(() => window.pluginSession.setMicEnabled(false));
        const muted = await until('the customer to see the agent muted', async () => {
          const s = await stats(customer);
          return { ok: s && s.remoteState && s.remoteState.audio === 'false', value: s && s.remoteState };
        }, 10000);
        const agentSide = await agent.evaluate(SESSION);
        await agent.evaluate(() => window.pluginSession.setMicEnabled(true));
        const unmuted = await until('the customer to see the agent unmuted', async () => {
          const s = await stats(customer);
          return { ok: s && s.remoteState && s.remoteState.audio === 'true', value: s && s.remoteState };
        }, 10000);
        report.phases.mute = { muted, agent_sent_state: agentSide, unmuted, ms: Date.now() - t0 };
      } else if (phase === 'end') {
        await agent.evaluate(() => window.pluginSession.leave());
        const reason = await agent.evaluate(() => window.pluginSession.state.endReason || null);
        // The join page notices the agent left: its peer goes and it waits again.
        const seen = await until('the customer page to see the agent leave', async () => {
          const v = await customer.evaluate(() => {
            const w = document.getElementById('waiting');
            const t = document.getElementById('waiting-text');
            const ended = document.getElementById('ended');
            const call = window.escalateCall;
            return {
              view: document.body.dataset.view || null,
              call: document.body.dataset.call || null,
              peers: call && call.peerCount ? call.peerCount() : null,
              waiting_shown: !!w && !w.hidden,
              waiting_text: t ? t.textContent : null,
              ended_text: ended && !ended.hidden ? ended.innerText : null,
            };
          });
          return { ok: v.view === 'ended' || (v.peers === 0 && v.waiting_shown), value: v };
        }, 15000);
        report.phases.end = {
          agent_end_reason: reason,
          customer_view: seen.view,
          customer_call: seen.call,
          customer_peers: seen.peers,
          customer_text: seen.ended_text,
          customer_waiting_text: seen.waiting_text,
          ms: Date.now() - t0,
        };
      }
    } catch (err) {
      report.problems.push(`${phase}: ${err.message}`);
      for (const who of ['agent', 'customer']) {
        try { await pages[who].screenshot({ path: `${opts.artifacts || '/tmp'}/plugin-call-${phase}-${who}-failure.png` }); } catch (_) { /* closed */ }
      }
      break;
    }
  }
  // Candidates of the connect phase (the agent's connections are closed once it left), then any later ones.
  const seenCandidates = new Set();
  const addCandidates = (who, list) => {
    for (const c of list || []) {
      const key = JSON.stringify([who, c]);
      if (!seenCandidates.has(key)) { seenCandidates.add(key); report.candidates.push({ who, ...c }); }
    }
  };
  const connect = report.phases.connect;
  if (connect) {
    addCandidates('agent', connect.agent.stats && connect.agent.stats.candidates);
    addCandidates('customer', connect.customer.stats && connect.customer.stats.candidates);
  }
  for (const who of ['agent', 'customer']) {
    const s = await stats(pages[who]).catch(() => null);
    if (s) addCandidates(who, s.candidates);
  }
  report.agent_session = await agent.evaluate(SESSION).catch(() => null);
} catch (err) {
  report.problems.push(`browser: ${err.stack || err}`);
} finally {
  await browser.close().catch(() => {});
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}
