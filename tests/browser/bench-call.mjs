// `scripts/bench call`: CALLS built-in test calls between two headless
// Chromium pages (the dashboard's test call as the agent, the join page as
// the customer), each measured from the customer's click on Join to each
// side playing the other's video (its first frame painted). Prints one JSON
// line: { agent_ms: [...], customer_ms: [...], problems: [...] }.
//
//   node bench-call.mjs '{"base", "email", "password", "cc", "calls"}'
import { launch, twoPages } from './media.mjs';

const opts = JSON.parse(process.argv[2] || '{}');
const report = { agent_ms: [], customer_ms: [], problems: [], console_errors: { agent: [], customer: [] } };

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
