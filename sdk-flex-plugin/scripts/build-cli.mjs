#!/usr/bin/env node
// Builds the plugin the way the Flex Plugins CLI does: `twilio flex:plugins:build`
// runs `flex-plugin build` of @twilio/flex-plugin-scripts, whose webpack
// configuration (@twilio/flex-plugin-webpack) takes src/index, keeps react and
// react-dom external and maps @twilio/flex-ui to the page's Twilio.Flex. Then
// the output is checked as `npm run build` checks the esbuild bundle
// (scripts/smoke-bundle.mjs: it loads, registers and initialises the plugin).
//
// Those packages (webpack 4, Babel, …: about 1600 packages) are installed on
// demand in a copy of this folder, so `npm ci` here stays small and nothing
// here changes. Exit codes:
//   0  built and checked, or a line starting "skipped:" saying which package
//      did not install and why (the registry, the network, the time budget);
//   1  the packages installed but the build or its check failed.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The CLI's scripts are released together with @twilio/flex-plugin: the same version.
const version = pkg.dependencies['@twilio/flex-plugin'];
const scripts = `@twilio/flex-plugin-scripts@${version}`;
// The whole run (two installs and a webpack build, about 1.5 min with a warm npm cache).
const deadline = Date.now() + 170_000;
// npm's empty placeholder for the name `fs`, asked for by a dependency of the
// webpack configuration (@k88/typescript-compile-error-formatter). Some
// registries and mirrors do not serve it; `require('fs')` loads Node's own
// module either way, so an empty local package of that name is the same thing.
const FS_PLACEHOLDER = 'fs@0.0.1-security';

const work = mkdtempSync(join(tmpdir(), 'flex-cli-build-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function run(cmd, args) {
  const timeout = Math.max(deadline - Date.now(), 1_000);
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, timedOut: r.error?.code === 'ETIMEDOUT', stdout: r.stdout ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** npm's own words for why an install failed: its error code and first message (which names the package). */
function npmReason(output) {
  const lines = output
    .split('\n')
    .filter((l) => /^npm (error|ERR!)/.test(l))
    .map((l) => l.replace(/^npm (error|ERR!) ?/, '').trim());
  const code = lines.find((l) => l.startsWith('code '))?.slice(5);
  const message = lines
    .find((l) => l && !/^(code|syscall|errno) /.test(l) && !/^(at |[{}]|\w+: ')/.test(l))
    ?.replace(/^notarget /, '');
  if (!code && !message) return output.trim().split('\n').slice(-3).join('; ') || 'npm gave no reason';
  return [code, message].filter(Boolean).join(': ');
}

function skip(what, r) {
  const why = r.timedOut ? 'it did not finish within the time budget (slow or no network?)' : npmReason(r.output);
  console.log(`skipped: ${what} did not install, so the Flex Plugins CLI's webpack build was not run: ${why}`);
  process.exit(0);
}

function fail(msg, output = '') {
  console.error(output.trim().split('\n').slice(-30).join('\n'));
  console.log(`build:cli failed: ${msg}`);
  process.exit(1);
}

// What the CLI needs of the plugin; not node_modules or an earlier build.
cpSync(root, work, {
  recursive: true,
  filter: (src) => !['node_modules', 'build', 'coverage'].some((d) => src === join(root, d)),
});

console.log(`installing the plugin's dependencies and ${scripts} in a copy…`);
const ci = run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline']);
if (!ci.ok) skip("the plugin's own dependencies (npm ci)", ci);

const served = run('npm', ['view', FS_PLACEHOLDER, 'version']).stdout.trim() === FS_PLACEHOLDER.split('@')[1];
if (!served) {
  const dir = join(work, '.fs-placeholder');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fs', version: FS_PLACEHOLDER.split('@')[1] }));
  const copy = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8'));
  copy.overrides = { ...copy.overrides, fs: 'file:./.fs-placeholder' };
  writeFileSync(join(work, 'package.json'), JSON.stringify(copy, null, 2));
  console.log(`note: the registry does not serve ${FS_PLACEHOLDER} (npm's empty placeholder); an empty local package stands in`);
}

// --legacy-peer-deps: the tree was made for npm 6. npm 7+ also installs the
// loaders' optional-range peer `webpack` (^4 || ^5) at the top as webpack 5,
// which html-webpack-plugin 4 then loads instead of the configuration's
// webpack 4 (and fails: "Cannot find module 'webpack/lib/LoaderTargetPlugin'").
const install = run('npm', ['install', '--no-save', '--legacy-peer-deps', '--no-audit', '--no-fund', '--prefer-offline', scripts]);
if (!install.ok) skip(scripts, install);

console.log('building with flex-plugin build (webpack)…');
const build = run('npx', ['--no-install', 'flex-plugin', 'build']);
if (!build.ok) fail(build.timedOut ? 'flex-plugin build did not finish within the time budget' : 'flex-plugin build failed', build.output);

const bundle = join('build', `${pkg.name}.js`);
if (!existsSync(join(work, bundle))) fail(`flex-plugin build wrote no ${bundle}`, build.output);
const check = run('node', ['scripts/smoke-bundle.mjs']);
if (!check.ok) fail(`the CLI's bundle does not load as a Flex plugin`, check.output);

const kib = (statSync(join(work, bundle)).size / 1024).toFixed(0);
console.log(`built with the Flex Plugins CLI's webpack configuration (${scripts}): ${bundle}, ${kib} KiB; ${check.output.trim()}`);
