/**
 * Runs the compiled `pmemfs` command as a child process, as a user would, and captures what it
 * printed and how it exited. `npm test` builds dist/ first; a stale build fails loudly rather
 * than testing old code.
 *
 * Interface:
 *   const t = cliTemp()             a temp dir (t.dir, t.path(name)), removed by t.cleanup()
 *   pmemfs(t.dir, ['ls', 'disk.pmem'], { input? }) -> { code, stdout, stderr, stdoutBytes }
 *   requireFreshCli()               throws unless dist/src/cli matches src/cli
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { staleDist } from '../helpers/dist.js';

export const CLI = resolve(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export function pmemfs(cwd: string, args: readonly string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd, input: opts.input ?? '', timeout: opts.timeoutMs ?? 20_000, maxBuffer: 64 << 20,
    env: { ...process.env, PMEMFS_DEBUG: '' },
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

export function cliTemp(): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pmemfs-cli-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function requireFreshCli(): void {
  const stale = staleDist(['', 'errno', 'pmem', 'cli', 'cli/commands', 'cli/io', 'cli/demo']);
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale.join(', ')}: run \`npx tsc -p tsconfig.json\` (npm test does)`);
}

/** No stack trace, no "internal error": what every user-facing error must look like. */
export function expectCleanError(r: CliRun): void {
  if (/\n\s+at .+\(.*:\d+:\d+\)/.test(r.stderr) || r.stderr.includes('internal error')) {
    throw new Error(`stderr has a stack trace or an internal error:\n${r.stderr}`);
  }
}
