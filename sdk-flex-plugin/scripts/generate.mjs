#!/usr/bin/env node
// The plugin's API types, src/api/generated/schema.ts, made from the service's
// ../openapi.yaml with openapi-typescript. The file is committed, so this folder
// type-checks and builds on its own (the Flex Plugins CLI builds a copy of the
// plugin folder alone); it is never edited by hand.
//
//   npm run generate              regenerate it from ../openapi.yaml (when that file is there)
//   npm run generate -- --check   fail when the committed file differs from what
//                                 ../openapi.yaml gives (run by `npm test`)
//
// Without ../openapi.yaml (the plugin folder on its own) both modes keep the
// committed file and say so. With it, they also check that the document still
// has every operation the client uses (by operationId), to say so plainly before
// the type-check does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = join(root, '..', 'openapi.yaml');
const out = join(root, 'src', 'api', 'generated', 'schema.ts');
const rel = out.slice(root.length + 1);
const check = process.argv.includes('--check');

if (!existsSync(spec)) {
  if (!existsSync(out)) {
    console.error(`error: ${rel} is missing and there is no ../openapi.yaml to make it from`);
    process.exit(1);
  }
  console.error(`no ../openapi.yaml next to the plugin folder: using the committed ${rel} as it is`);
  process.exit(0);
}

// Keep in step with REQUIRED_OPERATIONS in src/api/routes.ts.
const required = ['createEscalation', 'getEscalation', 'completeEscalation', 'createAgentToken', 'reportAgentCallQuality', 'createSnapshot'];
const text = readFileSync(spec, 'utf8');
const missing = required.filter((op) => !new RegExp(`operationId:\\s*['"]?${op}['"]?\\s*$`, 'm').test(text));
if (missing.length > 0) {
  console.error(`error: openapi.yaml has no operation ${missing.join(', ')}, which the plugin's client uses (src/api/routes.ts)`);
  process.exit(1);
}

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
const generate = (file) =>
  execFileSync(process.execPath, [cli, spec, '--output', file], { stdio: ['ignore', 'ignore', 'inherit'] });

if (check) {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-schema-'));
  try {
    const fresh = join(dir, 'schema.ts');
    generate(fresh);
    const want = readFileSync(fresh, 'utf8');
    const have = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
    if (have !== want) {
      console.error(
        `error: ${rel} is not what ../openapi.yaml gives${have === undefined ? ' (it is missing)' : ''}: ` +
          'run `npm run generate` and commit the result',
      );
      process.exit(1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.error(`${rel} matches ../openapi.yaml; every operation the client uses is there`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  const before = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  generate(out);
  const changed = before !== readFileSync(out, 'utf8');
  console.error(
    `generated ${rel} from ../openapi.yaml${changed ? ' (changed: commit it)' : ' (unchanged)'}; every operation the client uses is there`,
  );
}

