// Copies the browser bundles we serve ourselves from node_modules into
// assets/vendor/ (git-ignored). Run by `npm run vendor` (scripts/browser.sh)
// and after `npm install`.
//
// twilio-video builds its dynamic-import helper (used only to load the Krisp
// noise-cancellation plugin) with `new Function(...)`, which a CSP without
// 'unsafe-eval' refuses — and the refusal is thrown while the bundle loads,
// so the whole SDK would be missing. The copy replaces that one expression
// with a plain `import()` wrapper (allowed by script-src 'self'); the patch
// must match exactly once, so an SDK upgrade that changes it fails here
// instead of in a customer's browser.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = [
  {
    from: 'node_modules/twilio-video/dist/twilio-video.min.js',
    to: 'assets/vendor/twilio-video.min.js',
    patches: [['new Function("url","return import(url);")', '(function(url){return import(url);})']],
  },
];

mkdirSync(join(root, 'assets/vendor'), { recursive: true });
for (const { from, to, patches } of files) {
  const src = join(root, from);
  if (!existsSync(src)) {
    console.error(`vendor: ${from} is missing; run \`npm ci\` in dashboard/ first`);
    process.exit(1);
  }
  let text = readFileSync(src, 'utf8');
  for (const [find, replace] of patches) {
    const count = text.split(find).length - 1;
    if (count !== 1) {
      console.error(`vendor: expected exactly one \`${find}\` in ${from}, found ${count}; review the CSP patch`);
      process.exit(1);
    }
    text = text.replace(find, () => replace);
  }
  if (/new Function\(|\beval\(/.test(text)) {
    console.error(`vendor: ${from} still evaluates strings; it would break under the page's CSP`);
    process.exit(1);
  }
  writeFileSync(join(root, to), text);
  console.log(`vendor: ${from} -> ${to}${patches.length ? ` (${patches.length} CSP patch)` : ''}`);
}
