#!/usr/bin/env node
// The browser bundles the service serves from ../dashboard/assets, made with
// esbuild from the plugin's own code so it exists once:
//
//   rtc.js       src/web/escalateCall.ts: the join page's call client
//                (`window.EscalateCall`, used by the customer's join page and
//                the dashboard's test call), the plugin's call code (src/video)
//   snapshot.js  src/web/snapshot.ts: the test call's snapshots
//                (`window.EscalateSnapshot`, src/snapshot), loaded by the staff
//                test call only, so a customer's first visit never carries it
//
// Small minified IIFEs, the same bytes for the same sources; twilio-video is in
// neither (the page loads the vendored script for Twilio calls). The files are
// committed (the service serves them as they are) and never edited by hand.
//
//   npm run build:web               write every bundle
//   npm run build:web -- --check    change nothing; fail when a committed file is
//                                   not what a fresh build gives (run by `npm test`)
//   --bundle <rtc|snapshot>         only that bundle
//   --out <file>                    write (or check) <file> instead: one bundle,
//                                   rtc unless --bundle names another
//
// Without ../dashboard (the plugin folder on its own) every mode says so and does nothing.
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = join(root, '..', 'dashboard', 'assets');

export const BUNDLES = {
  rtc: { entry: 'escalateCall.ts', file: 'rtc.js' },
  snapshot: { entry: 'snapshot.ts', file: 'snapshot.js' },
};

const args = process.argv.slice(2);
const check = args.includes('--check');
/** The value of `--name value` or `--name=value`; null when absent. */
function option(name) {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return null;
  const value = args[at].startsWith(`${name}=`) ? args[at].slice(name.length + 1) : args[at + 1];
  if (!value || value.startsWith('--')) {
    console.error(`error: ${name} needs a value`);
    process.exit(2);
  }
  return value;
}
const outArg = option('--out');
const only = option('--bundle');
if (only !== null && !(only in BUNDLES)) {
  console.error(`error: --bundle is one of ${Object.keys(BUNDLES).join(', ')}`);
  process.exit(2);
}
const names = only ? [only] : outArg ? ['rtc'] : Object.keys(BUNDLES);

if (!outArg && !existsSync(assets)) {
  console.error(`no ../dashboard/assets next to the plugin folder: nothing to ${check ? 'check' : 'write'}`);
  process.exit(0);
}

export const bannerOf = (entry) =>
  `// Generated from sdk-flex-plugin/src/web/${entry} by \`npm run build:web\`: do not edit by hand (\`npm test\` fails when this copy is not current).`;

let failed = false;
for (const name of names) {
  const { entry, file } = BUNDLES[name];
  const out = outArg ? resolve(outArg) : join(assets, file);
  const shown = relative(process.cwd(), out) || out;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'web', entry)],
    outfile: out,
    write: false,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // Every browser with the WebRTC the calls need (a parameterless
    // setLocalDescription, restartIce: Chrome 80, Firefox 75, Safari 14.1) has ES2020.
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    charset: 'ascii',
    banner: { js: bannerOf(entry) },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const fresh = Buffer.from(result.outputFiles[0].contents);
  const sizes = `${fresh.length} bytes, ${gzipSync(fresh, { level: 9 }).length} gzipped`;

  if (check) {
    const have = existsSync(out) ? readFileSync(out) : undefined;
    if (!have || !have.equals(fresh)) {
      console.error(
        `error: ${shown} is not what src/web/${entry} builds to${have ? '' : ' (it is missing)'}: ` +
          'run `npm run build:web` and commit the result',
      );
      failed = true;
      continue;
    }
    console.error(`${shown} is current (${sizes})`);
  } else {
    const before = existsSync(out) ? readFileSync(out) : undefined;
    writeFileSync(out, fresh);
    console.error(`built ${shown} (${sizes})${before && before.equals(fresh) ? ', unchanged' : ''}`);
  }
}
if (failed) process.exit(1);
