#!/usr/bin/env node
// The trips of a new user's walk-through, checked in headless Chromium
// (Debian's /usr/bin/chromium through playwright-core; no browser download)
// at 1280×800 and 390×844:
//   test-call      the agent's call screen: both videos and the call
//                  controls on screen without scrolling;
//   wording        the language select swaps wording left at the old
//                  language's default (or empty) for the new one's, in the
//                  fields and the preview; the admin's own words stay;
//   logo           a logo the preview cannot load gets a warning next to the
//                  field, gone once a logo loads or the field is emptied;
//   preview-phone  on a phone the preview is near the top (no scrolling
//                  past the whole form); beside the form on a desktop;
//   audit          the audit table fits its card at 1280 px, and on a phone
//                  scrolls in a labelled, focusable region;
//   chart-hours    an hourly chart's ticks carry the date where the day
//                  changes, without overlapping.
//
//   node tests/browser/trips.mjs '<json>'
//
// Input: {"base", "email", "password", "contact_center_id", "test_call_path"}.
// Nothing is saved: the settings form is only edited in the page. A test
// call is joined and left; when the given one is over, a new one is started
// and ended.
// Every page checked also goes through axe-core (WCAG 2.0/2.1 A and AA
// rules); any violation is a problem. Screenshots: tests/artifacts/trips-*.png.
// The last stdout line is {"report": {"problems": [...], "checked": [...], ...}}.
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT = 15000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
// A logo that cannot load: nothing listens there (and http:// is not shown at all).
const BROKEN_LOGOS = ['http://127.0.0.1:9/nope.png', 'https://127.0.0.1:9/nope.png'];
// A logo that loads: answered by this script, never by the network.
const GOOD_LOGO = 'https://logo.trips.test/logo.png';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
function fatal(message) {
  say({ report: { problems: [message], checked: [] } });
  process.exit(2);
}

let input;
try { input = JSON.parse(process.argv[2] || ''); } catch (e) { fatal(`input is not JSON: ${e.message}`); }
for (const k of ['base', 'email', 'password', 'contact_center_id']) if (!input[k]) fatal(`input needs "${k}"`);
if (!existsSync(CHROMIUM)) fatal(`${CHROMIUM} is missing: run scripts/browser.sh`);
let chromium;
try { ({ chromium } = await import('playwright-core')); } catch { fatal('playwright-core is missing in tests/browser/node_modules: run scripts/browser.sh'); }
let axeSource;
try { axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'); } catch { fatal('axe-core is missing in tests/browser/node_modules: run scripts/browser.sh'); }
mkdirSync(artifacts, { recursive: true });

const base = input.base.replace(/\/+$/, '');
const cc = input.contact_center_id;
const report = { problems: [], checked: [], measures: {}, axe: {}, screenshots: [] };
const problem = (msg) => report.problems.push(msg);
const check = (ok, msg) => { if (!ok) problem(msg); return !!ok; };

const userDataDir = mkdtempSync(join(tmpdir(), 'escalate-trips-chromium-'));
let context;
let page;
let current = 'start';
// Console errors, page errors and CSP violations per page; `expect` lists
// messages a step causes on purpose (the broken logos).
const seen = {};
let expect = [];
const log = () => (seen[current] ??= { console_errors: [], page_errors: [], csp_violations: [], error_responses: [] });

async function shot(name) {
  const file = join(artifacts, `trips-${name}.png`);
  try {
    await page.screenshot({ path: file });
    report.screenshots.push(file);
  } catch (e) { problem(`screenshot ${name}: ${e.message}`); }
}

/// axe-core on the page as it is now (evaluated by the harness into every
/// frame: the page's CSP stays as it is).
async function axeCheck(name) {
  try {
    for (const frame of page.frames()) {
      try { await frame.evaluate(axeSource); } catch { /* a frame that went away */ }
    }
    const found = await page.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => [].concat(n.target).join(' >>> ')) }));
    });
    report.axe[name] = found;
    for (const v of found) problem(`${name}: accessibility: ${v.id} (${v.impact}) at ${v.nodes.join(', ')}`);
  } catch (e) { problem(`${name}: axe-core did not run: ${e.message}`); }
}

async function collectCsp() {
  for (const frame of page.frames()) {
    const v = await frame.evaluate(() => window.__cspViolations || []).catch(() => []);
    log().csp_violations.push(...v);
  }
}

async function open(name, path) {
  current = name;
  log();
  await page.goto(`${base}${path}`);
  await page.waitForLoadState('load');
}

/// Runs one named trip; a failure is a problem, the next trip still runs.
async function trip(name, fn) {
  current = name;
  log();
  try {
    await fn();
  } catch (e) {
    problem(`${name}: ${e && e.message || e}`);
    await shot(`failure-${name}`);
  }
  await collectCsp();
  report.checked.push(name);
}

const box = (selector) => page.evaluate((s) => {
  const el = document.querySelector(s);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
}, selector);

const overflowX = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

// ---- the trips ------------------------------------------------------------

/// 1. The agent's call screen fits: both videos and the controls.
async function testCall(size, label) {
  await page.setViewportSize(size);
  let path = input.test_call_path;
  let started = false;
  if (path) await open(`test-call-${label}`, path);
  if (!path || await page.locator('#join-button').count() === 0) {
    // The given call is over (or none was given): a new one, ended below.
    await open(`test-call-${label}`, `/dashboard/contact-centers/${cc}/test-call`);
    await Promise.all([page.waitForURL(/\/test-call\/[0-9a-f-]{36}/), page.getByRole('button', { name: 'Start test call' }).click()]);
    started = true;
  }
  await page.locator('#join-button').click();
  await page.locator('#call').waitFor({ state: 'visible' });
  await page.locator('#self video').waitFor({ state: 'attached' });
  await page.waitForTimeout(700);
  await page.evaluate(() => window.scrollTo(0, 0));
  const m = await page.evaluate(() => {
    const r = (s) => { const el = document.querySelector(s); if (!el) return null; const b = el.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, right: b.right, width: b.width, height: b.height }; };
    const buttons = [...document.querySelectorAll('.callbar button')].filter((b) => !b.hidden && b.getClientRects().length)
      .map((b) => { const x = b.getBoundingClientRect(); return { id: b.id, top: x.top, bottom: x.bottom, left: x.left, right: x.right, width: x.width, height: x.height }; });
    return { viewport: { width: innerWidth, height: innerHeight }, stage: r('.stage'), remote: r('#remote'), self: r('#self'), controls: r('.callbar'), buttons };
  });
  report.measures[`test-call-${label}`] = m;
  const h = size.height;
  const w = size.width;
  const barShown = check(m.controls && m.controls.bottom <= h, `test call at ${w}×${h}: the call controls end at y = ${m.controls && Math.round(m.controls.bottom)}, below the ${h} px screen`);
  check(m.stage && m.stage.top >= 0 && m.stage.bottom <= h, `test call at ${w}×${h}: the remote video spans y = ${m.stage && Math.round(m.stage.top)}–${m.stage && Math.round(m.stage.bottom)}, not all on screen`);
  check(m.self && m.self.top >= 0 && m.self.bottom <= h && m.self.right <= w, `test call at ${w}×${h}: the agent's own video is not all on screen: ${JSON.stringify(m.self)}`);
  check(m.stage && m.stage.height >= Math.min(240, h * 0.3), `test call at ${w}×${h}: the video is only ${m.stage && Math.round(m.stage.height)} px tall`);
  for (const b of m.buttons) {
    if (barShown) check(b.left >= 0 && b.right <= w && b.bottom <= h, `test call at ${w}×${h}: control #${b.id} is off-screen`);
    check(b.width >= 44 && b.height >= 44, `test call at ${w}×${h}: control #${b.id} is ${Math.round(b.width)}×${Math.round(b.height)} px, under 44×44`);
  }
  check(await overflowX() <= 1, `test call at ${w}×${h}: the page scrolls sideways`);
  await shot(`test-call-${label}`);
  await axeCheck(`test-call-${label}`);
  // Out of the room again; a call this script started is ended.
  await page.locator('#leave-button').click();
  await page.locator('#left').waitFor({ state: 'visible' });
  if (started) {
    await page.locator('#end-call-button').click();
    await page.waitForSelector('body[data-view="ended"]').catch(() => problem(`test call at ${w}×${h}: the test call this script started did not end`));
  }
}

/// The settings page, as stored (nothing of it is saved here).
async function openSettings(name) {
  await open(name, `/dashboard/contact-centers/${cc}/settings`);
  await page.frameLocator('#join-preview').locator('#join-button').waitFor({ state: 'attached' });
}

/// The preview frame has loaded the form's current values.
async function previewSettled() {
  await page.waitForTimeout(350);
  await page.waitForFunction(() => {
    const f = document.getElementById('join-preview');
    const d = f && f.contentDocument;
    return d && d.readyState === 'complete' && d.location.href.endsWith(f.getAttribute('src'));
  }, null, { timeout: TIMEOUT });
}

const previewText = (selector) => page.frameLocator('#join-preview').locator(selector).first().innerText().then((t) => t.trim());

/// 2. Wording follows the language; the admin's own words stay.
async function wording() {
  await page.setViewportSize(DESKTOP);
  await openSettings('settings-wording');
  const defaults = await page.evaluate(() => {
    const out = {};
    for (const id of ['f-headline', 'f-button_text']) {
      const el = document.getElementById(id);
      out[id] = {};
      for (const a of el.attributes) if (a.name.startsWith('data-default-')) out[id][a.name.slice('data-default-'.length)] = a.value;
    }
    return out;
  });
  report.measures.wording_defaults = defaults;
  const locales = await page.locator('#f-locale option').evaluateAll((os) => os.map((o) => o.value));
  const from = await page.locator('#f-locale').inputValue();
  const to = locales.find((l) => l !== from);
  const have = (id, l) => typeof defaults[id][l] === 'string' && defaults[id][l] !== '';
  if (!check(['f-headline', 'f-button_text'].every((id) => have(id, from) && have(id, to)),
    `settings: the Headline and Button text fields carry no default wording per language (data-default-${from} and data-default-${to}); switching the language cannot follow`)) return;
  // Both fields at the current language's default, then the other language.
  await page.locator('#f-headline').fill(defaults['f-headline'][from]);
  await page.locator('#f-button_text').fill(defaults['f-button_text'][from]);
  await page.locator('#f-locale').selectOption(to);
  const headline = await page.locator('#f-headline').inputValue();
  const button = await page.locator('#f-button_text').inputValue();
  check(headline === defaults['f-headline'][to], `settings: after choosing "${to}" the Headline reads "${headline}", want "${defaults['f-headline'][to]}"`);
  check(button === defaults['f-button_text'][to], `settings: after choosing "${to}" the Button text reads "${button}", want "${defaults['f-button_text'][to]}"`);
  await previewSettled();
  const shown = await previewText('#headline');
  check(shown === defaults['f-headline'][to], `settings: the preview's headline reads "${shown}" after choosing "${to}"`);
  check((await previewText('.join-button__text')) === defaults['f-button_text'][to], 'settings: the preview button follows the language');
  await shot('settings-wording-1280');
  // The admin's own headline stays; an emptied button text gets the default.
  await page.locator('#f-headline').fill('Our own words');
  await page.locator('#f-button_text').fill('');
  await page.locator('#f-locale').selectOption(from);
  check(await page.locator('#f-headline').inputValue() === 'Our own words', 'settings: a headline the admin wrote changed with the language');
  const back = await page.locator('#f-button_text').inputValue();
  check(back === defaults['f-button_text'][from], `settings: an empty Button text reads "${back}" after choosing "${from}", want its default`);
  await axeCheck('settings-wording');
}

/// 3. A logo the preview cannot load: a warning next to the field.
async function logo() {
  await page.setViewportSize(DESKTOP);
  await openSettings('settings-logo');
  const field = page.locator('#f-logo_url');
  const stored = await field.inputValue();
  const warning = page.locator('#w-logo_url');
  const warned = () => page.evaluate(() => {
    const w = document.getElementById('w-logo_url');
    if (!w) return { present: false };
    const r = w.getBoundingClientRect();
    const text = w.textContent.trim();
    const described = (document.getElementById('f-logo_url').getAttribute('aria-describedby') || '').split(/\s+/).includes(w.id);
    return { present: true, visible: r.height > 0 && getComputedStyle(w).visibility !== 'hidden' && text !== '', text, described };
  });
  if (!check(await warning.count() === 1, 'settings: no logo warning element (#w-logo_url) next to the Logo URL field')) return;
  const waitWarned = (want) => page.waitForFunction((on) => {
    const w = document.getElementById('w-logo_url');
    return w && (w.textContent.trim() !== '') === on;
  }, want, { timeout: 8000 }).then(() => true, () => false);

  expect = [/Failed to load resource: net::ERR_/];
  for (const url of BROKEN_LOGOS) {
    await field.fill(url);
    await previewSettled();
    const ok = await waitWarned(true);
    const w = await warned();
    report.measures[`logo ${url}`] = w;
    check(ok && w.visible && /could not be loaded/i.test(w.text), `settings: no visible warning after setting the logo URL to ${url}: ${JSON.stringify(w)}`);
    check(w.described, `settings: the Logo URL field is not described by its warning (${url})`);
  }
  await shot('settings-logo-warning-1280');
  await axeCheck('settings-logo-warning');
  // A logo that loads clears it.
  await context.route(GOOD_LOGO, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
  await field.fill(GOOD_LOGO);
  await previewSettled();
  const loaded = await page.frameLocator('#join-preview').locator('img.brand__logo').evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false);
  check(loaded, 'settings: the preview did not show a logo that loads');
  check(await waitWarned(false), `settings: the warning stays once the logo loads: ${JSON.stringify(await warned())}`);
  // So does an empty field.
  await field.fill(BROKEN_LOGOS[1]);
  await previewSettled();
  await waitWarned(true);
  await field.fill('');
  await previewSettled();
  check(await waitWarned(false), 'settings: the warning stays once the Logo URL field is emptied');
  check(!(await warned()).described, 'settings: the Logo URL field is still described by a cleared warning');
  await field.fill(stored);
  await context.unroute(GOOD_LOGO);
  expect = [];
}

/// 4. The preview on a phone is near the top; on a desktop beside the form.
async function previewPlace() {
  await page.setViewportSize(DESKTOP);
  await openSettings('settings-desktop');
  const form = await box('#settings-form');
  const frame = await box('#join-preview');
  report.measures.preview_desktop = { form, frame };
  check(form && frame && frame.left >= form.right, `settings at 1280: the preview is not beside the form: ${JSON.stringify({ form, frame })}`);
  check(frame && frame.top < DESKTOP.height, `settings at 1280: the preview starts at y = ${frame && Math.round(frame.top)}`);
  check(!(await page.locator('#preview-toggle').isVisible().catch(() => false)), 'settings at 1280: a preview toggle shows beside an open preview');
  await shot('settings-1280');
  await axeCheck('settings-desktop');

  await page.setViewportSize(PHONE);
  await openSettings('settings-phone');
  await page.evaluate(() => window.scrollTo(0, 0));
  const preview = await box('#preview');
  const name = await box('#f-name');
  report.measures.preview_phone = { preview, name };
  check(preview && preview.top < PHONE.height, `settings at 390: the preview starts at y = ${preview && Math.round(preview.top)}, below the ${PHONE.height} px screen`);
  check(name && name.top < PHONE.height, `settings at 390: the form starts at y = ${name && Math.round(name.top)}, below the ${PHONE.height} px screen`);
  check(await overflowX() <= 1, 'settings at 390: the page scrolls sideways');
  await shot('settings-phone-390');
  await axeCheck('settings-phone');
  // Collapsed behind a button: opened, the frame itself shows on the first screen.
  const toggle = page.locator('#preview-toggle');
  if (await toggle.isVisible()) {
    check(await toggle.getAttribute('aria-expanded') === 'false', 'settings at 390: the preview toggle does not say it is collapsed');
    await toggle.click();
    check(await toggle.getAttribute('aria-expanded') === 'true', 'settings at 390: the preview toggle does not say it is expanded');
  }
  await page.locator('#join-preview').waitFor({ state: 'visible' });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  const opened = await box('#join-preview');
  report.measures.preview_phone.frame = opened;
  check(opened && opened.top < PHONE.height && opened.height > 200, `settings at 390: the preview frame starts at y = ${opened && Math.round(opened.top)} (${opened && Math.round(opened.height)} px tall)`);
  const fit = await page.evaluate(() => {
    const f = document.getElementById('join-preview');
    const line = f.contentDocument && f.contentDocument.querySelector('.privacy');
    return line ? { frame: f.getBoundingClientRect().height, privacy: line.getBoundingClientRect().bottom } : null;
  });
  check(fit && fit.privacy <= fit.frame, `settings at 390: the opened preview cuts off the join page: ${JSON.stringify(fit)}`);
  check(await overflowX() <= 1, 'settings at 390: the page scrolls sideways with the preview open');
  await shot('settings-phone-preview-390');
  await axeCheck('settings-phone-preview');
  await page.setViewportSize(DESKTOP);
}

/// 5. The audit table: fits at 1280; on a phone a labelled, focusable scroll region.
async function audit() {
  for (const [size, label] of [[DESKTOP, '1280'], [PHONE, '390']]) {
    await page.setViewportSize(size);
    await open(`audit-${label}`, '/dashboard/audit');
    if (!check(await page.locator('#audit-log').count() === 1, `audit at ${label}: no audit table (no entries?)`)) return;
    const m = await page.evaluate(() => {
      const table = document.getElementById('audit-log');
      const wrap = table.closest('.table-wrap') || table.parentElement;
      const cs = getComputedStyle(wrap);
      const labelledBy = (wrap.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
        .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
      const wr = wrap.getBoundingClientRect();
      const clipped = [...table.querySelectorAll('th, td')].filter((c) => c.getBoundingClientRect().right > wr.right + 0.5).length;
      return {
        table: table.scrollWidth, wrap: wrap.clientWidth, clipped,
        scrolls: ['auto', 'scroll'].includes(cs.overflowX), tabindex: wrap.getAttribute('tabindex'),
        role: wrap.getAttribute('role'), name: (wrap.getAttribute('aria-label') || labelledBy).trim(),
      };
    });
    report.measures[`audit-${label}`] = m;
    const fits = m.table <= m.wrap + 1 && m.clipped === 0;
    if (size === DESKTOP) {
      check(fits, `audit at 1280: the table is ${m.table} px wide in a ${m.wrap} px card (${m.clipped} cells cut off)`);
    } else if (!fits) {
      check(m.scrolls && m.tabindex === '0' && m.role === 'region' && m.name !== '',
        `audit at 390: the table overflows (${m.table} px in ${m.wrap} px) and its wrapper is not a focusable, labelled scroll region: ${JSON.stringify(m)}`);
    }
    check(await overflowX() <= 1, `audit at ${label}: the page scrolls sideways`);
    await shot(`audit-${label}`);
    await axeCheck(`audit-${label}`);
  }
  await page.setViewportSize(DESKTOP);
}

/// 6. Hourly ticks carry the date where the day changes.
async function chartHours() {
  await page.setViewportSize(DESKTOP);
  await open('chart-hours', `/dashboard/contact-centers/${cc}`);
  // Two days up to the page's own "to" date (in the contact center's zone).
  const to = await page.locator('#r-to').inputValue();
  const d = new Date(`${to}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  const from = d.toISOString().slice(0, 10);
  for (const [size, label] of [[DESKTOP, '1280'], [PHONE, '390']]) {
    await page.setViewportSize(size);
    await open(`chart-hours-${label}`, `/dashboard/contact-centers/${cc}?from=${from}&to=${to}&bucket=hour`);
    await page.waitForTimeout(300);
    const m = await page.evaluate(() => {
      const svg = document.querySelector('#totals svg.chart');
      if (!svg) return null;
      const texts = [...svg.querySelectorAll('text.chart__axis')];
      const bottom = Math.max(...texts.map((t) => Number(t.getAttribute('y'))));
      const ticks = texts.filter((t) => Number(t.getAttribute('y')) === bottom && !/^\d+$/.test(t.textContent.trim()))
        .map((t) => { const b = t.getBBox(); return { text: t.textContent.trim(), x: b.x, right: b.x + b.width }; })
        .sort((a, b) => a.x - b.x);
      const days = [...new Set([...document.querySelectorAll('#totals tr[data-bucket-start] > th')]
        .map((th) => th.textContent.trim().replace(/\s+\d{1,2}:\d{2}$/, '')))];
      return { ticks, days, width: svg.viewBox.baseVal.width };
    });
    report.measures[`chart-hours-${label}`] = m;
    if (!check(m && m.ticks.length > 0, `hourly chart at ${label}: no chart or no ticks`)) continue;
    const texts = m.ticks.map((t) => t.text);
    check(m.ticks[0].text.startsWith(m.days[0]) && /\d{1,2}:\d{2}$/.test(m.ticks[0].text),
      `hourly chart at ${label}: the first tick "${m.ticks[0].text}" has not both the date (${m.days[0]}) and the hour`);
    for (const day of m.days) {
      check(texts.some((t) => t === day || t.startsWith(`${day} `)), `hourly chart at ${label}: no tick names ${day}: ${texts.join(' | ')}`);
    }
    check(texts.some((t) => /^\d{1,2}:\d{2}$/.test(t)), `hourly chart at ${label}: no hour-only tick between the dates: ${texts.join(' | ')}`);
    for (let i = 1; i < m.ticks.length; i++) {
      check(m.ticks[i - 1].right <= m.ticks[i].x, `hourly chart at ${label}: ticks "${m.ticks[i - 1].text}" and "${m.ticks[i].text}" overlap`);
    }
    check(m.ticks[0].x >= 0 && m.ticks[m.ticks.length - 1].right <= m.width, `hourly chart at ${label}: a tick is cut off at the chart's edge`);
    await page.locator('#totals svg.chart').scrollIntoViewIfNeeded();
    await shot(`chart-hours-${label}`);
    await axeCheck(`chart-hours-${label}`);
  }
  await page.setViewportSize(DESKTOP);
}

// ---- run ------------------------------------------------------------------

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    timeout: TIMEOUT,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())) return;
    if (expect.some((re) => re.test(msg.text()))) return;
    log().console_errors.push(msg.text());
  });
  page.on('pageerror', (err) => log().page_errors.push(String(err && err.stack || err)));
  page.on('response', (resp) => {
    if (resp.status() >= 400) log().error_responses.push(`${resp.status()} ${resp.request().method()} ${resp.url()}`);
  });
  page.on('dialog', (d) => d.accept());

  // Sign in through the form (its login_csrf field goes with it).
  await open('login', '/dashboard');
  await page.getByLabel('Email').fill(input.email);
  await page.getByLabel('Password').fill(input.password);
  await Promise.all([page.waitForURL(/\/dashboard(\?.*)?$/), page.getByRole('button', { name: 'Sign in' }).click()]);
  if (page.url().includes('/login')) throw new Error(`sign-in failed: still on ${page.url()}`);

  await trip('test-call', async () => {
    await testCall(DESKTOP, '1280');
    await testCall(PHONE, '390');
    await page.setViewportSize(DESKTOP);
  });
  await trip('wording', wording);
  await trip('logo', logo);
  await trip('preview-phone', previewPlace);
  await trip('audit', audit);
  await trip('chart-hours', chartHours);
} catch (e) {
  problem(`step failed on ${current}: ${e && e.message || e}`);
  if (page) await shot(`failure-${current}`);
}

for (const [name, p] of Object.entries(seen)) {
  for (const m of p.console_errors) problem(`${name}: console error: ${m}`);
  for (const m of p.page_errors) problem(`${name}: page error: ${m}`);
  for (const m of p.csp_violations) problem(`${name}: CSP violation: ${m}`);
  for (const m of p.error_responses) problem(`${name}: ${m}`);
}
try { await context?.close(); } catch { /* already gone */ }
try { rmSync(userDataDir, { recursive: true, force: true }); } catch { /* best effort */ }
say({ report });
process.exit(0);
