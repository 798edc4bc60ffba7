#!/usr/bin/env node
/**
 * pmemfs: the command line (docs/CLI.md). A thin shell: each subcommand lives in its own file
 * under commands/ and exports `register(program)`; it parses, calls the public API, formats, and
 * leaves errors to reportError (exit-status.ts): FsError -> `pmemfs: CODE: message`, exit 1;
 * usage -> exit 2; anything else -> `pmemfs: internal error: ...`, exit 70.
 *
 * To add a subcommand: write commands/NAME.ts and add one line to COMMANDS.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { reportError } from './exit-status.js';

interface CommandModule {
  register(program: Command): void;
}

/** Every subcommand, in the order `pmemfs help` lists them. */
const COMMANDS: ReadonlyArray<Promise<CommandModule>> = [
  import('./commands/demo.js'),
  import('./commands/mkfs.js'),
  import('./commands/info.js'),
  import('./commands/fsck.js'),
  import('./commands/ls.js'),
  import('./commands/stat.js'),
  import('./commands/cat.js'),
  import('./commands/write.js'),
  import('./commands/cp.js'),
  import('./commands/mkdir.js'),
  import('./commands/rm.js'),
  import('./commands/mv.js'),
  import('./commands/ln.js'),
  import('./commands/bmap.js'),
  import('./commands/io.js'),
  import('./commands/mount.js'),
  import('./commands/bench.js'),
  import('./commands/crash.js'),
];

/** The package version, from the package.json above this file (src/ or dist/src/). */
function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pmemfs' && pkg.version !== undefined) return pkg.version;
    } catch {
      /* not there: try the next level */
    }
  }
  return 'unknown';
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('pmemfs')
    .description('an emulated persistent-memory device and the log-structured DAX filesystem on it')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`pmemfs: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError("(run 'pmemfs help COMMAND' for usage)");
  for (const m of await Promise.all(COMMANDS)) m.register(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  // A reader that stops early (`pmemfs cat ... | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.exitCode = reportError(e);
  });
  try {
    await (await buildProgram()).parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

process.exitCode = await main(process.argv);
