#!/usr/bin/env node
// Walks through the admin dashboard in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core; no browser download), as a new
// tenant admin: sign in, store Twilio credentials, create a contact center,
// change its brand and watch the join-page preview follow, create an API key,
// then read the metrics after escalations made through the API.
//
//   node tests/browser/dashboard.mjs '<json>'
//
// Input: {"base", "email", "password", "account_sid", "api_key_sid",
// "api_key_secret", "auth_token"}. The Rust test (tests/api/dashboard.rs)
// answers two questions on stdin, asked as JSON lines on stdout:
//   {"ask":"escalations","contact_center_id","api_key"} → {"ok":true}
//   {"ask":"metrics","contact_center_id","from","to"}   → {"api": <GET …/metrics>}
// The last stdout line is {"report": {problems: [...], pages: {...}, ...}}.
// Every page visited is checked with axe-core (WCAG 2.0/2.1 A and AA rules):
// report.axe maps each page name to its violations (any is a problem).
// Screenshots go to tests/artifacts/dashboard-*.png (always for the main
// pages, at 1280×800 and, as dashboard-*-phone.png, at 390×844;
// dashboard-failure-*.png when something went wrong).
// Small screens: at 320 px no page scrolls sideways and the current
// contact-center tab is on screen (report.narrow: {page: scrollWidth}).
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT = 15000;

const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
function fatal(message) {
  say({ report: { problems: [message], metrics_checked: false } });
  process.exit(2);
}

let input;
try { input = JSON.parse(process.argv[2] || ''); } catch (e) { fatal(`input is not JSON: ${e.message}`); }
if (!existsSync(CHROMIUM)) fatal(`${CHROMIUM} is missing: run scripts/browser.sh`);
let chromium;
try { ({ chromium } = await import('playwright-core')); } catch { fatal('playwright-core is missing in tests/browser/node_modules: run scripts/browser.sh'); }
let axeSource;
try { axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'); } catch { fatal('axe-core is missing in tests/browser/node_modules: run scripts/browser.sh'); }
mkdirSync(artifacts, { recursive: true });

// Answers from the Rust test, one JSON line each.
const answers = [];
const waiting = [];
createInterface({ input: process.stdin }).on('line', (line) => {
  let v;
  try { v = JSON.parse(line); } catch { return; }
  const w = waiting.shift();
  if (w) w(v); else answers.push(v);
});
function ask(question) {
  say(question);
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${question.ask}`)), 60000);
    const done = (v) => { clearTimeout(timer); resolveAnswer(v); };
    if (answers.length) done(answers.shift()); else waiting.push(done);
  });
}

const report = { problems: [], pages: {}, screenshots: [], metrics_checked: false, preview_checked: false, axe: {}, narrow: {}, checks: {} };
const problem = (msg) => report.problems.push(msg);
const check = (ok, msg) => { if (!ok) problem(msg); return ok; };

const userDataDir = mkdtempSync(join(tmpdir(), 'escalate-dashboard-chromium-'));
let context;
let page;
let current = 'start';
const perPage = () => (report.pages[current] ??= { console_errors: [], page_errors: [], csp_violations: [], error_responses: [] });

async function shot(name) {
  const file = join(artifacts, `dashboard-${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true });
    report.screenshots.push(file);
  } catch (e) { problem(`screenshot ${name}: ${e.message}`); }
}

async function visit(name, action) {
  current = name;
  perPage();
  await action();
  await page.waitForLoadState('load');
  const violations = await page.evaluate(() => window.__cspViolations || []).catch(() => []);
  perPage().csp_violations.push(...violations);
  await axeCheck(name);
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

/// Horizontal overflow of the page (0 when nothing scrolls sideways).
async function overflowX() {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function text(selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

async function attr(selector, name) {
  return page.locator(selector).first().getAttribute(name);
}

/// The number the API reports, as the page's data-value writes it.
function apiValue(v) {
  if (v === null || v === undefined) return '';
  return Number.isInteger(v) ? String(v) : String(v);
}

function sameNumber(pageValue, apiNumber) {
  if (apiNumber === null || apiNumber === undefined) return pageValue === '';
  return pageValue !== '' && Math.abs(Number(pageValue) - Number(apiNumber)) < 1e-9;
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
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
    // HTTP error statuses are listed under error_responses (a 4xx can be the point).
    if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())) return;
    perPage().console_errors.push(msg.text());
  });
  page.on('pageerror', (err) => perPage().page_errors.push(String(err && err.stack || err)));
  page.on('response', (resp) => {
    if (resp.status() >= 400) perPage().error_responses.push(`${resp.status()} ${resp.request().method()} ${resp.url()}`);
  });
  page.on('dialog', (d) => d.accept());

  const base = input.base;

  // 1. Sign in: the dashboard sends a signed-out visitor to the form.
  await visit('login', () => page.goto(`${base}/dashboard`));
  check(page.url().includes('/dashboard/login'), `signed-out visit should land on the sign-in page, got ${page.url()}`);
  await shot('login');
  await page.getByLabel('Email').fill(input.email);
  await page.getByLabel('Password').fill(input.password);
  await visit('overview-empty', () => Promise.all([page.waitForURL(`${base}/dashboard`), page.getByRole('button', { name: 'Sign in' }).click()]));
  const setup = await text('[data-testid="setup"]');
  check(setup.includes('Add a contact center') && setup.includes('Add your Twilio credentials') && setup.includes('Install the Flex plugin'),
    `empty overview should list the set-up steps, got: ${setup}`);
  await shot('overview-empty');

  // 2. A contact center, from the empty state's button.
  await visit('new-center', () => page.getByRole('link', { name: 'Add a contact center' }).first().click());
  await page.getByLabel('Name').fill('Acme Support');
  await visit('credentials-empty', () => Promise.all([page.waitForURL(/\/credentials\?flash=cc_created/), page.getByRole('button', { name: 'Create contact center' }).click()]));
  const ccId = page.url().match(/contact-centers\/([0-9a-f-]{36})\//)?.[1];
  check(!!ccId, `no contact center id in ${page.url()}`);
  check((await text('.flash')).includes('Contact center created'), 'flash after creating the contact center');

  // 3. Twilio credentials: write-only, masked afterwards.
  await page.getByLabel('Account SID').fill(input.account_sid);
  await page.getByLabel('API key SID').fill(input.api_key_sid);
  await page.getByLabel('API key secret').fill(input.api_key_secret);
  await page.getByLabel('Auth token').fill(input.auth_token);
  await visit('credentials', () => Promise.all([page.waitForURL(/flash=credentials_saved/), page.getByRole('button', { name: 'Verify and save' }).click()]));
  const stored = await text('#stored-credentials');
  check(stored.includes(input.account_sid), 'stored Account SID shown');
  check(stored.includes('••••' + input.api_key_secret.slice(-4)), `masked secret shown, got: ${stored}`);
  const content = await page.content();
  check(!content.includes(input.api_key_secret) && !content.includes(input.auth_token), 'secrets must never be in the page');
  await shot('credentials');
  await visit('credentials-verified', () => Promise.all([page.waitForURL(/flash=credentials_verified/), page.getByRole('button', { name: 'Verify with Twilio' }).click()]));
  check((await text('.flash')).includes('Twilio accepted the stored credentials'), 'verify flash');

  // 4. Branding, with the live preview of the real join page.
  await visit('settings', () => page.getByRole('link', { name: 'Settings & branding' }).click());
  const frame = page.frameLocator('#join-preview');
  await frame.locator('#join-button').waitFor({ state: 'attached' });
  const before = await frame.locator('#join-button').evaluate((b) => getComputedStyle(b).backgroundColor);
  await page.locator('#f-primary_colour').fill('#c2185b');
  await page.getByLabel('Headline').fill('Ready when you are');
  await page.getByLabel('Button text').fill('Start my video call');
  await page.waitForFunction(() => (document.getElementById('join-preview').getAttribute('src') || '').includes('Start+my+video+call'));
  await frame.locator('#join-button', { hasText: 'Start my video call' }).waitFor();
  await frame.locator('#headline', { hasText: 'Ready when you are' }).waitFor();
  // The preview frame shows the whole join page, down to its privacy line.
  await page.waitForTimeout(300);
  const fit = await page.evaluate(() => {
    const f = document.getElementById('join-preview');
    const line = f.contentDocument && f.contentDocument.querySelector('.privacy');
    return line ? { frame: f.getBoundingClientRect().height, privacy: line.getBoundingClientRect().bottom } : null;
  });
  report.checks.preview_fits = !!fit && fit.privacy <= fit.frame;
  check(report.checks.preview_fits, `the preview cuts off the privacy line: ${JSON.stringify(fit)}`);
  const after = await frame.locator('#join-button').evaluate((b) => getComputedStyle(b).backgroundColor);
  check(after === 'rgb(194, 24, 91)', `preview button colour should follow the form: before ${before}, after ${after}`);
  report.preview_checked = after === 'rgb(194, 24, 91)';
  await shot('settings-preview');
  await visit('settings-saved', () => Promise.all([page.waitForURL(/flash=settings_saved/), page.getByRole('button', { name: 'Save settings' }).click()]));
  check((await text('.flash')).includes('Settings saved'), 'settings saved flash');
  check((await page.locator('#f-headline').inputValue()) === 'Ready when you are', 'saved headline shown in the form');
  // A validation error is shown next to its field.
  await page.getByLabel('Logo URL').fill('http://insecure.example/logo.png');
  await visit('settings-invalid', () => page.getByRole('button', { name: 'Save settings' }).click());
  check((await text('[data-error-for="logo_url"]')).includes('https://'), 'logo URL error next to the field');
  check(await page.locator('#f-logo_url').getAttribute('aria-invalid') === 'true', 'invalid field marked aria-invalid');
  await shot('settings-invalid');

  // 5. An API key (for the escalations below), shown once.
  await visit('api-keys', () => page.getByRole('link', { name: 'API keys' }).click());
  check((await text('.page-head')).includes('The Flex plugin does not need a key'), 'the API keys page says the plugin needs no key');
  await page.getByLabel('Name').fill('CRM sync');
  await page.getByRole('checkbox', { name: /escalations/ }).check();
  await page.getByRole('checkbox', { name: /metrics/ }).check();
  await visit('api-key-created', () => page.getByRole('button', { name: 'Create key' }).click());
  const apiKey = await text('#new-key');
  check(apiKey.startsWith('esk_'), `new key shown once, got ${apiKey}`);
  await shot('api-key-created');
  // The keys table fits its card: the Revoke buttons are not cut off.
  const cut = await page.evaluate(() => [...document.querySelectorAll('#api-keys button')].map((b) => {
    const wrap = b.closest('.table-wrap').getBoundingClientRect();
    const r = b.getBoundingClientRect();
    return r.right - wrap.right;
  }).filter((d) => d > 0.5));
  report.checks.revoke_visible = cut.length === 0;
  check(cut.length === 0, `Revoke buttons cut off by ${cut.join(', ')} px at 1280 px`);

  // 5b. A viewer, invited with a one-time password.
  await visit('users', () => page.getByRole('link', { name: 'Users' }).click());
  await page.getByLabel('Email').fill('viewer@browser.example');
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await visit('user-invited', () => page.getByRole('button', { name: 'Add user' }).click());
  check((await text('#initial-password')).length >= 16, 'initial password shown once');
  check((await text('#users')).includes('viewer@browser.example'), 'invited user listed');
  await shot('users');

  // 6. Escalations through the API, driven by signed simulator callbacks.
  await ask({ ask: 'escalations', contact_center_id: ccId, api_key: apiKey });
  await visit('center', () => page.goto(`${base}/dashboard/contact-centers/${ccId}`));
  const from = await attr('#totals', 'data-range-from');
  const to = await attr('#totals', 'data-range-to');
  const { api } = await ask({ ask: 'metrics', contact_center_id: ccId, from, to });
  const t = api.totals;
  const tiles = {
    escalations: t.escalations,
    customers_joined: t.customers_joined,
    join_rate: t.join_rate,
    ttj_median: t.time_to_join_seconds.median,
    ttj_p90: t.time_to_join_seconds.p90,
    duration_median: t.call_duration_seconds.median,
    duration_p90: t.call_duration_seconds.p90,
  };
  let allEqual = true;
  for (const [name, want] of Object.entries(tiles)) {
    const got = await attr(`#totals [data-metric="${name}"]`, 'data-value');
    allEqual = check(sameNumber(got, want), `${name}: page ${got}, API ${apiValue(want)}`) && allEqual;
  }
  const shownRate = await text('#totals .tile [data-metric="join_rate"]');
  const wantRate = `${Math.round(t.join_rate * 1000) / 10}%`.replace('.0%', '%');
  allEqual = check(shownRate === wantRate, `join rate shown as ${shownRate}, want ${wantRate}`) && allEqual;
  for (const a of api.by_agent) {
    const row = page.locator(`#agents tr[data-agent="${a.agent_identity}"]`);
    const esc = (await row.locator('[data-metric="escalations"]').innerText()).trim();
    const joined = (await row.locator('[data-metric="customers_joined"]').innerText()).trim();
    allEqual = check(esc === String(a.figures.escalations) && joined === String(a.figures.customers_joined),
      `agent ${a.agent_identity}: page ${esc}/${joined}, API ${a.figures.escalations}/${a.figures.customers_joined}`) && allEqual;
  }
  check(await page.locator('svg.chart[role="img"] title').count() > 0, 'chart has a title');
  report.checks.nav_contact_centers = await page.locator('.sidenav a[aria-current="page"]').innerText().catch(() => '');
  check(report.checks.nav_contact_centers === 'Contact centers', `the sidebar marks "Contact centers" on a contact center, got ${report.checks.nav_contact_centers}`);
  // A recent escalation opens to its timeline of room events.
  await page.locator('.escalation summary').first().click();
  check((await text('.escalation')).includes('room-ended'), 'timeline shows room events');
  report.metrics_checked = allEqual;
  await shot('center');

  // 7. The overview now shows today's figures and the 14-day chart.
  await visit('overview', () => page.getByRole('link', { name: 'Overview' }).first().click());
  const todayEsc = await attr(`[data-contact-center="${ccId}"] [data-metric="escalations"]`, 'data-value');
  check(todayEsc === String(t.escalations), `overview today: ${todayEsc}, want ${t.escalations}`);
  check(await page.locator('[data-testid="setup"]').count() === 0, 'no set-up steps once escalations flow');
  await shot('overview');

  // 8. Keyboard: the skip link is the first stop and visible when focused.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('skip-link')), 'skip link first in tab order');

  // 8b. The pages not seen yet: the account, the test call tab, a test call.
  await visit('account', () => page.getByRole('link', { name: 'Your account' }).click());
  await shot('account');
  await visit('test-call', () => page.goto(`${base}/dashboard/contact-centers/${ccId}/test-call`));
  await shot('test-call');
  await visit('test-call-started', () => Promise.all([page.waitForURL(/\/test-call\/[0-9a-f-]{36}/), page.getByRole('button', { name: 'Start test call' }).click()]));
  await page.locator('#join-button').waitFor();
  await shot('test-call-started');
  await visit('test-call-ended', () => page.getByRole('button', { name: 'End test call' }).click());
  await page.getByText('This call has ended').waitFor();
  await axeCheck('test-call-ended');

  // 9. Small screens.
  await page.setViewportSize({ width: 390, height: 844 });
  await visit('overview-phone', () => page.goto(`${base}/dashboard`));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
  await shot('overview-phone');
  await visit('center-phone', () => page.goto(`${base}/dashboard/contact-centers/${ccId}`));
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow2 <= 1, `no horizontal scrolling of the detail page on a phone (overflow ${overflow2}px)`);
  await shot('center-phone');
  for (const [name, path] of [['settings', `/dashboard/contact-centers/${ccId}/settings`], ['api-keys', '/dashboard/api-keys'], ['users', '/dashboard/users']]) {
    await visit(`${name}-phone`, () => page.goto(`${base}${path}`));
    check(await overflowX() <= 1, `${name}: no horizontal scrolling on a phone`);
    await shot(`${name}-phone`);
  }

  // 9b. 320 px: nothing scrolls sideways; the current tab is on screen.
  await page.setViewportSize({ width: 320, height: 640 });
  for (const [name, path] of [
    ['overview', '/dashboard'],
    ['center', `/dashboard/contact-centers/${ccId}`],
    ['settings', `/dashboard/contact-centers/${ccId}/settings`],
    ['credentials', `/dashboard/contact-centers/${ccId}/credentials`],
    ['test-call', `/dashboard/contact-centers/${ccId}/test-call`],
    ['api-keys', '/dashboard/api-keys'],
    ['users', '/dashboard/users'],
    ['account', '/dashboard/account'],
  ]) {
    await visit(`${name}-320`, () => page.goto(`${base}${path}`));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    report.narrow[name] = width;
    check(width <= 320, `${name} scrolls sideways at 320 px (scrollWidth ${width})`);
    const tab = await page.evaluate(() => {
      const a = document.querySelector('.tabs a[aria-current="page"]');
      if (!a) return null;
      const r = a.getBoundingClientRect();
      return { left: r.left, right: r.right };
    });
    if (tab) check(tab.left >= 0 && tab.right <= 320, `${name}: the current tab is off-screen at 320 px (${tab.left}–${tab.right})`);
  }
  await shot('users-320');
  await page.setViewportSize({ width: 1280, height: 800 });

  // 10. Sign out.
  await visit('signed-out', () => Promise.all([page.waitForURL(/\/dashboard\/login/), page.getByRole('button', { name: 'Sign out' }).click()]));
  check((await text('.flash')).includes('You are signed out'), 'signed-out flash');
} catch (e) {
  problem(`step failed on ${current}: ${e && e.message || e}`);
}

for (const [name, p] of Object.entries(report.pages)) {
  for (const m of p.console_errors) problem(`${name}: console error: ${m}`);
  for (const m of p.page_errors) problem(`${name}: page error: ${m}`);
  for (const m of p.csp_violations) problem(`${name}: CSP violation: ${m}`);
  // The invalid settings form answers 422 on purpose.
  for (const m of p.error_responses) if (!(name === 'settings-invalid' && m.startsWith('422 POST'))) problem(`${name}: ${m}`);
}
if (report.problems.length && page) {
  await shot(`failure-${current}`);
}
try { await context?.close(); } catch { /* already gone */ }
try { rmSync(userDataDir, { recursive: true, force: true }); } catch { /* best effort */ }
say({ report });
process.exit(0);
