#!/usr/bin/env node
// Generates src/api/generated/schema.ts from the service's ../openapi.yaml with
// openapi-typescript. The output is never edited by hand (and is git-ignored):
// `npm test` and `npm run build` regenerate it first, so a change to the API
// that the plugin's client does not match breaks the plugin's type-check.
//
// It then checks that the document still has every operation the client uses
// (by operationId), to say so plainly before the type-check does.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = join(root, '..', 'openapi.yaml');
const out = join(root, 'src', 'api', 'generated', 'schema.ts');
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');

mkdirSync(dirname(out), { recursive: true });
execFileSync(process.execPath, [cli, spec, '--output', out], { stdio: ['ignore', 'ignore', 'inherit'] });

// Keep in step with REQUIRED_OPERATIONS in src/api/routes.ts.
const required = ['createEscalation', 'getEscalation', 'completeEscalation', 'createAgentToken'];
const text = readFileSync(spec, 'utf8');
const missing = required.filter((op) => !new RegExp(`operationId:\\s*['"]?${op}['"]?\\s*$`, 'm').test(text));
if (missing.length > 0) {
  console.error(`error: openapi.yaml has no operation ${missing.join(', ')}, which the plugin's client uses (src/api/routes.ts)`);
  process.exit(1);
} else {
  console.error(`generated ${out.slice(root.length + 1)}; every operation the client uses is in openapi.yaml`);
}
