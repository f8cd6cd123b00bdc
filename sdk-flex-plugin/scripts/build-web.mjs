#!/usr/bin/env node
// The join page's call client, ../dashboard/assets/rtc.js (`window.EscalateCall`,
// used by the customer's join page and the dashboard's test call), bundled with
// esbuild from src/web/escalateCall.ts: the plugin's own call code (src/video),
// so the browser call exists once. A small minified IIFE, the same bytes for the
// same sources; twilio-video is not in it (the page loads the vendored script
// for Twilio calls). The file is committed (the service serves it as it is) and
// never edited by hand.
//
//   npm run build:web               write ../dashboard/assets/rtc.js
//   npm run build:web -- --check    change nothing; fail when the committed file is
//                                   not what a fresh build gives (run by `npm test`)
//   --out <file>                    write (or check) <file> instead
//
// Without ../dashboard (the plugin folder on its own) both modes say so and do nothing.
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'web', 'escalateCall.ts');
const args = process.argv.slice(2);
const check = args.includes('--check');
const outAt = args.findIndex((a) => a === '--out' || a.startsWith('--out='));
const outArg = outAt < 0 ? undefined : args[outAt].startsWith('--out=') ? args[outAt].slice('--out='.length) : args[outAt + 1];
if (outAt >= 0 && !outArg) {
  console.error('error: --out needs a file');
  process.exit(2);
}
const out = outArg ? resolve(outArg) : join(root, '..', 'dashboard', 'assets', 'rtc.js');
const shown = relative(process.cwd(), out) || out;

if (!outArg && !existsSync(dirname(out))) {
  console.error(`no ../dashboard/assets next to the plugin folder: nothing to ${check ? 'check' : 'write'}`);
  process.exit(0);
}

export const BANNER =
  '// Generated from sdk-flex-plugin/src/web/escalateCall.ts by `npm run build:web`: do not edit by hand (`npm test` fails when this copy is not current).';

const result = await build({
  absWorkingDir: root,
  entryPoints: [entry],
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
  banner: { js: BANNER },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
const fresh = Buffer.from(result.outputFiles[0].contents);
const sizes = `${fresh.length} bytes, ${gzipSync(fresh, { level: 9 }).length} gzipped`;

if (check) {
  const have = existsSync(out) ? readFileSync(out) : undefined;
  if (!have || !have.equals(fresh)) {
    console.error(
      `error: ${shown} is not what src/web/escalateCall.ts builds to${have ? '' : ' (it is missing)'}: ` +
        'run `npm run build:web` and commit the result',
    );
    process.exit(1);
  }
  console.error(`${shown} is current (${sizes})`);
} else {
  const before = existsSync(out) ? readFileSync(out) : undefined;
  writeFileSync(out, fresh);
  console.error(`built ${shown} (${sizes})${before && before.equals(fresh) ? ', unchanged' : ''}`);
}
