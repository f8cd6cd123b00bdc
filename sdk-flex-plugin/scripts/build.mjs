#!/usr/bin/env node
// Builds, with esbuild (see README, "Why esbuild"):
//   build/plugin-video-escalation.js   the Flex plugin bundle (IIFE; React, ReactDOM and
//                                      @twilio/flex-ui come from the Flex page, as with
//                                      flex-plugin-scripts' webpack externals)
//   build/node/escalation.mjs          the API client and escalation logic for node
//                                      (used by scripts/e2e.mjs)
//   build/browser/plugin-video.js      the plugin's call layer (src/video, both providers)
//                                      for a plain page, global `EscalatePluginVideo`
//                                      (used by tests/browser/plugin-call.mjs)
//   build/manifest.json                the bundle's name and version, read by the service,
//                                      which hosts the bundle for "Install in Flex"
// Progress goes to stderr, so `npm run -s e2e` prints only the e2e JSON on stdout.
import { build } from 'esbuild';
import { readFileSync, rmSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = (name) => {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
};

// What the Flex page provides to plugins.
const GLOBALS = { react: 'React', 'react-dom': 'ReactDOM', '@twilio/flex-ui': 'Twilio.Flex' };
const flexGlobals = {
  name: 'flex-globals',
  setup(b) {
    b.onResolve({ filter: /^(react|react-dom|@twilio\/flex-ui)$/ }, (args) => ({ path: args.path, namespace: 'flex-global' }));
    b.onLoad({ filter: /.*/, namespace: 'flex-global' }, (args) => ({
      contents: `module.exports = window.${GLOBALS[args.path]};`,
      loader: 'js',
    }));
  },
};

const outdir = join(root, 'build');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, 'node'), { recursive: true });
mkdirSync(join(outdir, 'browser'), { recursive: true });

const started = Date.now();
await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(outdir, `${pkg.name}.js`),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2019'],
  minify: true,
  sourcemap: true,
  jsx: 'transform',
  legalComments: 'linked',
  plugins: [flexGlobals],
  define: {
    'process.env.NODE_ENV': '"production"',
    __FPB_PLUGIN_UNIQUE_NAME: JSON.stringify(pkg.name),
    __FPB_PLUGIN_VERSION: JSON.stringify(pkg.version),
    __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: JSON.stringify('esbuild'),
    __FPB_FLEX_PLUGIN_VERSION: JSON.stringify(version('@twilio/flex-plugin')),
    __FPB_FLEX_UI_VERSION: JSON.stringify(version('@twilio/flex-ui')),
    __FPB_REACT_VERSION: JSON.stringify(version('react')),
    __FPB_REACT_DOM_VERSION: JSON.stringify(version('react-dom')),
  },
  logLevel: 'warning',
});

await build({
  entryPoints: [join(root, 'src', 'escalation-node.ts')],
  outfile: join(outdir, 'node', 'escalation.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  sourcemap: true,
  logLevel: 'warning',
});

await build({
  entryPoints: [join(root, 'src', 'video-browser.ts')],
  outfile: join(outdir, 'browser', 'plugin-video.js'),
  bundle: true,
  format: 'iife',
  globalName: 'EscalatePluginVideo',
  platform: 'browser',
  target: ['es2019'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

writeFileSync(
  join(outdir, 'manifest.json'),
  `${JSON.stringify({ name: pkg.name, version: pkg.version, bundle: `${pkg.name}.js`, sourcemap: `${pkg.name}.js.map` }, null, 2)}\n`,
);

for (const f of [`${pkg.name}.js`, 'node/escalation.mjs', 'browser/plugin-video.js']) {
  const kb = (statSync(join(outdir, f)).size / 1024).toFixed(0);
  console.error(`build/${f}  ${kb} KiB`);
}
console.error(`built in ${Date.now() - started} ms`);
