#!/usr/bin/env node
// Opens one page in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core; no browser download) and prints one JSON report on stdout.
//
//   node tests/browser/inspect.mjs <url> ['{"click":"#join-button","waitForText":"…","screenshot":true}']
//
// Options (all optional):
//   click            CSS selector to click after load (keyboard-free click)
//   press            a key to press after load (e.g. "Tab"), before click
//   waitForText      after the click, wait until the page's text contains this
//   waitForSelector  after the click, wait until this selector is visible
//   waitMs           extra settle time after load (default 500)
//   timeoutMs        per-step timeout (default 15000)
//   viewport         {"width":1280,"height":800}
//   cameras          how many fake cameras Chromium lists (default 1; 2 for a phone's front and back)
//   screenshot       true or a file name: save a PNG into tests/artifacts/
//                    (a screenshot is always taken when something went wrong)
//   name             prefix of screenshot file names
//   allowOrigins     origins not to count as third-party (e.g. the tenant's logo host)
//   steps            more steps, in order, after the ones above: objects with one of
//                    click, press, waitForText, waitForSelector, waitMs,
//                    evaluate (a JS expression run by the test harness, not the
//                    page's CSP; its JSON result goes to `evaluated`), screenshot,
//                    axe (a label: check the page as it is now with axe-core,
//                    WCAG 2.0/2.1 A and AA rules, into `axe[label]`)
//   axe              true: one more axe-core check after all steps, labelled "final"
//
// The report: status, url, title, html_lang, console_errors, page_errors,
// csp_violations, failed_requests, error_responses (status >= 400), third_party_requests (origins other than the
// page's own and *.twilio.com), requests, join_button {present, visible, text,
// background, background_hex, color}, brand_colour (the top bar's border),
// main_text, error_text, status_text, view, screenshot, problems,
// axe ({label: [violation]}) and axe_violations (every violation of every axe
// check, each {state, id, impact, help, nodes: [CSS selectors]}); any
// violation adds "accessibility violations" to problems.
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function fail(message) {
  process.stdout.write(JSON.stringify({ fatal: message }) + '\n');
  process.exit(2);
}

const [url, rawOpts] = process.argv.slice(2);
if (!url) fail('usage: inspect.mjs <url> [options-json]');
let opts = {};
try { opts = rawOpts ? JSON.parse(rawOpts) : {}; } catch (e) { fail(`options are not JSON: ${e.message}`); }
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: run scripts/browser.sh`);

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  fail('playwright-core is not installed in tests/browser/node_modules: run scripts/browser.sh');
}

// axe-core, read once and evaluated into each frame by the harness (not a
// script tag: the page's CSP must not be loosened for the check).
let axeSource = null;
function axeCore() {
  if (axeSource === null) {
    try {
      axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    } catch (e) {
      fail('axe-core is not installed in tests/browser/node_modules: run scripts/browser.sh (npm ci)');
    }
  }
  return axeSource;
}
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function runAxe(page, label) {
  const source = axeCore();
  for (const frame of page.frames()) {
    try { await frame.evaluate(source); } catch { /* a frame gone or not ours: axe skips it */ }
  }
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => [].concat(n.target).join(' >>> ')),
    }));
  }, AXE_TAGS);
  report.axe[label] = result;
  for (const v of result) report.axe_violations.push({ state: label, ...v });
}

const timeout = opts.timeoutMs ?? 15000;
// Before Chromium starts: a missing axe-core is a set-up problem, said at once.
if (opts.axe || (opts.steps || []).some((s) => s && s.axe)) axeCore();
const pageOrigin = new URL(url).origin;
const extraOrigins = new Set(opts.allowOrigins || []);
const allowedHost = (u) => {
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true;
    // The page's own WebSocket (the built-in provider's signalling) is ws(s)://
    // on the same host: the same origin as far as third parties go.
    const origin = parsed.protocol === 'ws:' || parsed.protocol === 'wss:'
      ? `${parsed.protocol === 'ws:' ? 'http:' : 'https:'}//${parsed.host}` : parsed.origin;
    if (origin === pageOrigin || extraOrigins.has(origin)) return true;
    return parsed.hostname === 'twilio.com' || parsed.hostname.endsWith('.twilio.com');
  } catch { return true; }
};
const toHex = (rgb) => {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb || '');
  return m ? '#' + m.slice(1, 4).map((v) => Number(v).toString(16).padStart(2, '0')).join('') : null;
};

const report = {
  url,
  status: null,
  title: null,
  html_lang: null,
  console_errors: [],
  page_errors: [],
  csp_violations: [],
  failed_requests: [],
  error_responses: [],
  third_party_requests: [],
  requests: [],
  websockets: [],
  join_button: { present: false, visible: false, text: null, background: null, background_hex: null, color: null },
  brand_colour: null,
  main_text: null,
  error_text: null,
  status_text: null,
  view: null,
  screenshot: null,
  step_screenshots: [],
  evaluated: [],
  axe: {},
  axe_violations: [],
  problems: [],
};

const userDataDir = mkdtempSync(join(tmpdir(), 'escalate-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      opts.cameras > 1 ? `--use-fake-device-for-media-stream=device-count=${Math.min(8, Math.floor(opts.cameras))}` : '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
    timeout,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  // Chrome logs every HTTP error status as a console error; those are listed
  // in error_responses instead (a 404 page or a 429 answer is often the point).
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())) return;
    report.console_errors.push(msg.text());
  });
  page.on('response', (resp) => {
    if (resp.status() >= 400) report.error_responses.push(`${resp.status()} ${resp.request().method()} ${resp.url()}`);
  });
  page.on('pageerror', (err) => report.page_errors.push(String(err && err.stack || err)));
  page.on('request', (req) => {
    const u = req.url();
    report.requests.push(`${req.method()} ${u}`);
    if (!allowedHost(u)) report.third_party_requests.push(u);
  });
  page.on('requestfailed', (req) => report.failed_requests.push({ url: req.url(), failure: req.failure()?.errorText ?? null }));
  page.on('websocket', (ws) => {
    report.websockets.push(ws.url());
    if (!allowedHost(ws.url())) report.third_party_requests.push(ws.url());
  });

  const resp = await page.goto(url, { waitUntil: 'load', timeout });
  report.status = resp ? resp.status() : null;
  await page.waitForTimeout(opts.waitMs ?? 500);

  const steps = [];
  if (opts.press) steps.push({ press: opts.press });
  if (opts.click) steps.push({ click: opts.click });
  if (opts.waitForText) steps.push({ waitForText: opts.waitForText });
  if (opts.waitForSelector) steps.push({ waitForSelector: opts.waitForSelector });
  steps.push(...(opts.steps || []));
  for (const step of steps) {
    if (step.press) await page.keyboard.press(step.press);
    if (step.click) await page.click(step.click, { timeout });
    if (step.waitForText) {
      await page.waitForFunction((text) => document.body && document.body.innerText.includes(text), step.waitForText, { timeout });
    }
    if (step.waitForSelector) await page.waitForSelector(step.waitForSelector, { state: 'visible', timeout });
    if (step.waitMs) await page.waitForTimeout(step.waitMs);
    if (step.evaluate) report.evaluated.push(await page.evaluate(step.evaluate));
    if (step.screenshot) {
      mkdirSync(artifacts, { recursive: true });
      const file = join(artifacts, String(step.screenshot).replace(/[^A-Za-z0-9._-]/g, '_'));
      await page.screenshot({ path: file, fullPage: true });
      report.step_screenshots.push(file);
    }
    if (step.axe) await runAxe(page, String(step.axe));
  }
  if (opts.axe) await runAxe(page, typeof opts.axe === 'string' ? opts.axe : 'final');

  Object.assign(report, await page.evaluate(() => {
    const button = document.getElementById('join-button');
    const visible = (el) => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const cs = button ? getComputedStyle(button) : null;
    const bar = document.querySelector('.topbar');
    const text = (id) => { const el = document.getElementById(id); return el && visible(el) ? el.innerText.trim() : null; };
    return {
      title: document.title,
      html_lang: document.documentElement.getAttribute('lang'),
      join_button: {
        present: !!button,
        visible: visible(button),
        text: button ? button.innerText.trim() : null,
        background: cs ? cs.backgroundColor : null,
        color: cs ? cs.color : null,
        focused: !!button && document.activeElement === button,
      },
      brand_colour: bar ? getComputedStyle(bar).borderTopColor : null,
      main_text: (document.querySelector('main') || document.body).innerText.trim(),
      error_text: text('error'),
      status_text: text('status'),
      view: document.body.dataset.view || null,
      csp_violations: window.__cspViolations || [],
    };
  }));
  report.join_button.background_hex = toHex(report.join_button.background);
  report.brand_colour_hex = toHex(report.brand_colour);
} catch (e) {
  report.problems.push(String(e && e.message || e).split('\n')[0]);
}

if (report.console_errors.length) report.problems.push('console errors');
if (report.page_errors.length) report.problems.push('page errors');
if (report.csp_violations.length) report.problems.push('CSP violations');
if (report.third_party_requests.length) report.problems.push('third-party requests');
if (report.axe_violations.length) report.problems.push('accessibility violations');

try {
  const page = context && context.pages()[0];
  if (page && (opts.screenshot || report.problems.length)) {
    mkdirSync(artifacts, { recursive: true });
    const base = typeof opts.screenshot === 'string' ? opts.screenshot
      : `${opts.name || 'page'}-${new Date().toISOString().replace(/[:.]/g, '-')}${report.problems.length ? '-failure' : ''}.png`;
    const file = join(artifacts, base.replace(/[^A-Za-z0-9._-]/g, '_'));
    await page.screenshot({ path: file, fullPage: true });
    report.screenshot = file;
  }
} catch (e) {
  report.problems.push(`screenshot: ${String(e && e.message || e).split('\n')[0]}`);
}

try { if (context) await context.close(); } catch { /* already gone */ }
try { rmSync(userDataDir, { recursive: true, force: true }); } catch { /* best effort */ }

process.stdout.write(JSON.stringify(report) + '\n');
process.exit(0);
