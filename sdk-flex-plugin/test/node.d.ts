/**
 * The few Node built-ins the tests use to run a build script and read its
 * output (escalateCall.test.ts). The project's types are the browser's
 * (no @types/node), so only these are declared, as far as they are used.
 */
declare module 'node:child_process' {
  export function spawnSync(
    command: string,
    args: readonly string[],
    options: { cwd?: string; encoding: 'utf8' },
  ): { status: number | null; stdout: string; stderr: string };
}

declare module 'node:fs' {
  export function existsSync(path: string): boolean;
  export function readFileSync(path: string, encoding: 'utf8'): string;
  export function writeFileSync(path: string, data: string): void;
  export function mkdtempSync(prefix: string): string;
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
}

declare module 'node:os' {
  export function tmpdir(): string;
}

declare module 'node:path' {
  export function dirname(path: string): string;
  export function join(...paths: string[]): string;
}

declare module 'node:url' {
  export function fileURLToPath(url: string | URL): string;
}

declare module 'node:process' {
  export const execPath: string;
}
