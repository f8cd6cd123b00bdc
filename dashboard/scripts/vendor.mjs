// Copies the browser bundles we serve ourselves from node_modules into
// assets/vendor/, with their licence, and records package, version, licence
// and SHA-256 in assets/vendor/manifest.json. The copies are committed: the
// binary embeds them, so a fresh clone serves them with `cargo` alone (a
// Rust test checks the served bytes against the manifest). `npm run vendor`
// refreshes them after an upgrade; `npm run vendor -- --check` (run by
// scripts/browser.sh) fails when the committed copy is not what the pinned
// package produces.
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
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const files = [
  {
    package: 'twilio-video',
    from: 'node_modules/twilio-video/dist/twilio-video.min.js',
    licence: 'node_modules/twilio-video/LICENSE.md',
    to: 'assets/vendor/twilio-video.min.js',
    patches: [['new Function("url","return import(url);")', '(function(url){return import(url);})']],
  },
];

mkdirSync(join(root, 'assets/vendor'), { recursive: true });
const manifest = {};
let stale = false;
for (const { package: pkg, from, licence, to, patches } of files) {
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
  const { version, license } = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8'));
  const sha256 = createHash('sha256').update(text).digest('hex');
  const licenceTo = `assets/vendor/${pkg}.LICENSE.txt`;
  manifest[to.replace(/^assets\//, '')] = { package: pkg, version, license, licence_file: licenceTo.replace(/^assets\//, ''), sha256, patches: patches.length };
  if (check) {
    const current = existsSync(join(root, to)) ? readFileSync(join(root, to), 'utf8') : '';
    if (current !== text) {
      console.error(`vendor: ${to} is not what ${pkg}@${version} produces; run \`npm run vendor\` in dashboard/ and commit it`);
      stale = true;
    }
    continue;
  }
  writeFileSync(join(root, to), text);
  writeFileSync(join(root, licenceTo), readFileSync(join(root, licence)));
  console.log(`vendor: ${from} -> ${to}${patches.length ? ` (${patches.length} CSP patch)` : ''}`);
}
const manifestPath = join(root, 'assets/vendor/manifest.json');
const manifestText = JSON.stringify(manifest, null, 2) + '\n';
if (check) {
  if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== manifestText) {
    console.error('vendor: assets/vendor/manifest.json is stale; run `npm run vendor` in dashboard/ and commit it');
    stale = true;
  }
  if (stale) process.exit(1);
  console.log('vendor: committed copies match the pinned packages');
} else {
  writeFileSync(manifestPath, manifestText);
}
