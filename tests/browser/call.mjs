// A real call between two headless Chromium pages (fake camera and
// microphone): the dashboard's test call as the agent, the join page as the
// customer. Prints one JSON report on stdout for the Rust test to assert on.
//
//   node call.mjs '<json options>'
//
// options: { agent_base, email, password, agent_url, customer_url,
//            phases: ["connect", "mute", "drop-signaling", "drop-turn", "end"]
//                    or ["connect-no-devices", "end"] (the customer blocks camera and microphone)
//                    or ["connect", "hold", "end"] (a call that runs on, measured by both pages)
//                    or ["connect", "reload", "end"] (the customer reloads the page mid-call)
//                    or ["connect", "replica-crash", "end"] (the customer's replica is killed; they reload
//                       on a live one: replica_pid, customer_url_after_crash)
//                    or ["connect", "handoff", "end"] (the customer opens the link on a phone mid-call)
//                    or ["connect", "ask-back-camera", "end"] (the agent asks for the back camera)
//                    or ["connect", "snapshot", "end"] (the agent takes a snapshot, draws on it and saves it;
//                       the customer is told; the fake camera has no light or zoom to offer),
//            turn: { pid, command, args },    // for drop-turn: kill and restart TURN
//            hold_ms,                          // "hold": how long the call runs on (default 15 s)
//            customer_phone }                  // the customer's page on a phone (390×844, touch)
//
// Each phase records what it saw; a phase that times out records its error
// and the walk stops there (later phases would only repeat the failure).
import { spawn } from 'node:child_process';
import { framesRising, launch, sleep, stats, twoPages, until } from './media.mjs';

const opts = JSON.parse(process.argv[2] || '{}');
const phases = opts.phases || ['connect', 'mute', 'end'];
const report = { phases: {}, problems: [], console_errors: { agent: [], customer: [] }, candidates: [] };

const browser = await launch();
let restartedTurn = null;
try {
  // `customer_phone`: the customer's page on a phone (390×844, touch).
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
  const pages = await twoPages(browser, report.console_errors, (who) => (who === 'customer' && opts.customer_phone ? phone : {}));
  const { agent } = pages;
  let { customer } = pages;
  if (phases.includes('connect-no-devices')) {
    // The customer says no to the camera and microphone prompt.
    await customer.context().addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
  }

  // The agent signs in and joins the test call, then the customer joins.
  async function bothJoin() {
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
  }

  for (const phase of phases) {
    const t0 = Date.now();
    try {
      if (phase === 'connect') {
        await bothJoin();
        const a = await framesRising(agent, 'agent');
        const c = await framesRising(customer, 'customer');
        report.phases.connect = { agent: a, customer: c, ms: Date.now() - t0 };
      } else if (phase === 'connect-no-devices') {
        await bothJoin();
        const joined = Date.now();
        const seen = await until('the agent to see the customer present, camera off and no microphone', async () => {
          const v = await agent.evaluate(() => {
            const state = document.getElementById('remote-state');
            return {
              waiting: !document.getElementById('waiting').hidden,
              audio: state && state.dataset.audio, video: state && state.dataset.video,
              text: state && !state.hidden ? state.textContent : '',
            };
          });
          return { ok: !v.waiting && v.audio === 'false' && v.video === 'false', value: v };
        }, 5000, 100);
        const c = await framesRising(customer, 'customer');
        report.phases['connect-no-devices'] = { seen, agent_saw_after_ms: Date.now() - joined, customer: c, ms: Date.now() - t0 };
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
      } else if (phase === 'replica-crash') {
        // The customer's page is served and signalled by a second replica,
        // which dies (SIGKILL: no goodbye). The customer reloads, reaching a
        // live replica (as a load balancer would send them), and is back in
        // the call: not refused as "room full", video both ways again.
        process.kill(opts.replica_pid, 'SIGKILL');
        const crashed = Date.now();
        await customer.goto(opts.customer_url_after_crash);
        let refused = 0;
        await until('the reloaded customer to be let back into the call', async () => {
          const s = await customer.evaluate(() => ({
            view: document.body.dataset.view,
            error: document.getElementById('error').textContent,
            ready: !document.getElementById('join-button').disabled,
          }));
          if (s.view === 'call') return { ok: true };
          if (s.error) refused += 1;
          // Join again once the button is ready (a refusal leaves it so).
          if (s.ready) await customer.click('#join-button', { timeout: 1000 }).catch(() => {});
          return { ok: false, value: s };
        }, 15000, 250);
        const rejoined = Date.now() - crashed;
        const c = await framesRising(customer, 'customer after the crash', 20000);
        const a = await framesRising(agent, 'agent after the customer came back', 20000);
        const agentPeers = await agent.evaluate(() => window.escalateCall.peerCount());
        report.phases['replica-crash'] = {
          agent: a, customer: c, agent_peers: agentPeers, refused, rejoined_ms: rejoined, back_after_ms: Date.now() - crashed,
          ms: Date.now() - t0,
        };
      } else if (phase === 'reload') {
        // The customer reloads the page mid-call (a new page session, a new
        // credential): they join again, and both sides play video again.
        await customer.reload();
        const reloadedAt = Date.now();
        await customer.click('#join-button');
        await customer.waitForSelector('body[data-view=call]');
        const c = await framesRising(customer, 'customer after the reload', 20000);
        const a = await framesRising(agent, 'agent after the customer reloaded', 20000);
        const agentPeers = await agent.evaluate(() => window.escalateCall.peerCount());
        report.phases.reload = { agent: a, customer: c, agent_peers: agentPeers, back_after_ms: Date.now() - reloadedAt, ms: Date.now() - t0 };
      } else if (phase === 'handoff') {
        // The desktop page shows its link as a QR code; the customer scans it
        // and joins from a phone (390×844, touch): the phone takes the call
        // over, the desktop page steps aside and says so.
        const qr = await customer.evaluate(() => {
          const f = document.getElementById('handoff');
          return { shown: !!f && !f.hidden, src: document.getElementById('handoff-qr').getAttribute('src') };
        });
        const context = await browser.newContext({
          permissions: ['camera', 'microphone'], viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
        });
        const phone = await context.newPage();
        phone.setDefaultTimeout(20000);
        report.console_errors.phone = [];
        phone.on('console', (m) => {
          if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) report.console_errors.phone.push(m.text());
        });
        phone.on('pageerror', (e) => report.console_errors.phone.push(String((e && e.stack) || e)));
        await phone.goto(opts.customer_url);
        const phoneQr = await phone.evaluate(() => !document.getElementById('handoff').hidden);
        const tapped = Date.now();
        await phone.tap('#join-button');
        await phone.waitForSelector('body[data-view=call]');
        await customer.waitForSelector('body[data-view=left]');
        const desktopText = await customer.evaluate(() => document.querySelector('#left').innerText);
        const desktopCamera = await customer.evaluate(() => !document.getElementById('preview-video').srcObject);
        const c = await framesRising(phone, 'phone', 20000);
        const a = await framesRising(agent, 'agent after the hand-off', 20000);
        const agentPeers = await agent.evaluate(() => window.escalateCall.peerCount());
        customer = phone;
        pages.customer = phone;
        report.phases.handoff = {
          qr_shown: qr.shown, qr_src: qr.src, phone_qr_shown: phoneQr, desktop_text: desktopText,
          desktop_camera_released: desktopCamera, agent: a, customer: c, agent_peers: agentPeers,
          on_phone_after_ms: Date.now() - tapped, ms: Date.now() - t0,
        };
      } else if (phase === 'ask-back-camera') {
        // The agent asks for the back camera; the customer's page offers it
        // (never switches by itself); with one camera it says so instead.
        await agent.waitForSelector('#call-ask-back:not([hidden])');
        const facingBefore = await customer.evaluate(() => document.body.dataset.facing || 'user');
        await agent.click('#call-ask-back');
        await customer.waitForSelector('#asked:not([hidden])');
        const asked = await customer.evaluate(() => {
          const box = document.getElementById('asked').getBoundingClientRect();
          return {
            text: document.getElementById('asked-text').innerText,
            offers_switch: !document.getElementById('asked-switch').hidden,
            focused: document.activeElement ? document.activeElement.id : null,
            // Wholly on the screen, whatever its size.
            fits: box.left >= 0 && box.right <= window.innerWidth && box.width > 0,
            viewport_width: window.innerWidth,
          };
        });
        await sleep(500);
        const facingAfter = await customer.evaluate(() => document.body.dataset.facing || 'user');
        await customer.click(asked.offers_switch ? '#asked-switch' : '#asked-dismiss');
        const closed = await customer.evaluate(() => document.getElementById('asked').hidden);
        const agentStatus = await agent.evaluate(() => document.getElementById('call-status').textContent);
        report.phases['ask-back-camera'] = {
          asked, facing_before: facingBefore, facing_after_wait: facingAfter, closed, agent_status: agentStatus, ms: Date.now() - t0,
        };
      } else if (phase === 'snapshot') {
        // Chromium's fake camera has no light and no zoom: neither page offers them.
        const lens = async (page) => ({
          torch_visible: await page.isVisible('#torch'), zoom_visible: await page.isVisible('#zoom'),
          torch_hidden: await page.evaluate(() => document.getElementById('torch').hidden),
          zoom_hidden: await page.evaluate(() => document.getElementById('zoom').hidden),
        });
        const lensCustomer = await lens(customer);
        const lensAgent = await lens(agent);
        // The agent takes a still of the customer's video (its own resolution,
        // not the size shown), draws an arrow and a text, and saves it.
        await agent.waitForSelector('#call-snapshot:not([hidden])');
        // The customer's first frames went out small (firstFrames.ts): the
        // agent gets the camera's full size a few seconds in.
        const camera = await customer.evaluate(() => {
          const track = document.getElementById('preview-video').srcObject.getVideoTracks()[0];
          const { width, height } = track.getSettings();
          return { width, height };
        });
        const sizeFrom = Date.now();
        const fullSize = await until("the customer's video at its camera's size", async () => {
          const width = await agent.evaluate(() => document.querySelector('#remote video').videoWidth);
          return { ok: width === camera.width, value: width };
        }, 15000, 100);
        const video = await agent.evaluate(() => {
          const v = document.querySelector('#remote video');
          return { width: v.videoWidth, height: v.videoHeight, shown_width: v.clientWidth, shown_height: v.clientHeight };
        });
        await agent.click('#call-snapshot');
        await agent.waitForSelector('[role="dialog"] .escalate-annotator__picture');
        const picture = await agent.evaluate(() => {
          const c = document.querySelector('.escalate-annotator__picture');
          return { width: c.width, height: c.height };
        });
        const box = await agent.locator('.escalate-annotator__picture').boundingBox();
        const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
        await agent.mouse.move(...at(0.2, 0.2));
        await agent.mouse.down();
        await agent.mouse.move(...at(0.35, 0.3), { steps: 4 });
        await agent.mouse.move(...at(0.5, 0.45), { steps: 4 });
        await agent.mouse.up();
        await agent.click('[role="dialog"] button[data-tool="text"]');
        await agent.fill('[role="dialog"] input', 'Loose cable');
        await agent.mouse.click(...at(0.55, 0.5));
        const saving = agent.waitForResponse((r) => r.url().endsWith('/snapshots') && r.request().method() === 'POST');
        await agent.click('[role="dialog"] .escalate-annotator__save');
        const resp = await saving;
        const sent = { content_type: resp.request().headers()['content-type'], has_csrf: !!resp.request().headers()['x-csrf-token'] };
        const snapshot = await resp.json().catch(() => null);
        await agent.waitForSelector('#snapshot-note:not(:empty)');
        const agentNote = await agent.evaluate(() => document.getElementById('snapshot-note').textContent);
        const dialogClosed = await agent.evaluate(() => !document.querySelector('[role="dialog"]'));
        // The customer's page says so, for a few seconds.
        await customer.waitForSelector('#told:not(:empty)', { timeout: 10000 });
        const told = await customer.evaluate(() => {
          const el = document.getElementById('told');
          return { text: el.textContent, role: el.getAttribute('role') };
        });
        const customerLoadsSnapshotJs = await customer.evaluate(() => [...document.scripts].some((s) => /snapshot\.js/.test(s.src)));
        report.phases.snapshot = {
          status: resp.status(), snapshot, sent, video, picture, agent_note: agentNote, dialog_closed: dialogClosed, told,
          customer_loads_snapshot_js: customerLoadsSnapshotJs, camera, full_size: { width: fullSize, after_ms: Date.now() - sizeFrom }, lens: { customer: lensCustomer, agent: lensAgent }, ms: Date.now() - t0,
        };
      } else if (phase === 'hold') {
        // The call runs on while both pages measure it.
        await sleep(opts.hold_ms || 15000);
        const a = await framesRising(agent, 'agent');
        const c = await framesRising(customer, 'customer');
        report.phases.hold = { agent: a, customer: c, ms: Date.now() - t0 };
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
