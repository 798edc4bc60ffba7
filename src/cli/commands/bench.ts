/**
 * pmemfs bench [--quick] [--json] [--reps N] [--only WORD]
 *
 * Runs the benchmark suite (bench/run.ts, compiled to dist/bench/run.js) in a child node process
 * with --expose-gc, passing the flags through, and exits with its status. The benchmarks ship
 * with a source checkout, not the npm package: without them, ENOENT says how to get them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { fsError } from '../../errno/index.js';
import { countArg } from '../size.js';

interface BenchFlags {
  quick?: boolean;
  json?: boolean;
  reps?: number;
  only?: string;
}

/** The runner wants at least one repetition; 0 is a usage error here, not a stack trace there. */
function repsArg(text: string): number {
  const n = countArg('repetitions')(text);
  if (n === 0) throw new InvalidArgumentError(`EINVAL: invalid repetitions '${text}' (expected at least 1)`);
  return n;
}

/** dist/src/cli/commands/bench.js -> dist/bench/run.js */
const RUNNER = fileURLToPath(new URL('../../../bench/run.js', import.meta.url));

export function register(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks (device, filesystem, DAX, crash, scale) and print ratios to the peers')
    .option('--quick', 'smaller workloads, for a fast look')
    .option('--json', 'print one JSON document')
    .option('--reps <N>', 'repetitions per measurement', repsArg)
    .option('--only <WORD>', 'only the benchmarks whose name contains WORD')
    .action((flags: BenchFlags) => {
      if (!existsSync(RUNNER)) {
        throw fsError('ENOENT', 'open', { path: RUNNER, detail: 'the benchmarks are not built: run `npm run build` in a pmemfs source checkout' });
      }
      const args = [
        ...(flags.quick === true ? ['--quick'] : []),
        ...(flags.json === true ? ['--json'] : []),
        ...(flags.reps !== undefined ? ['--reps', String(flags.reps)] : []),
        ...(flags.only !== undefined ? ['--only', flags.only] : []),
      ];
      const child = spawnSync(process.execPath, ['--expose-gc', RUNNER, ...args], { stdio: 'inherit' });
      if (child.error !== undefined) throw child.error;
      process.exitCode = child.status ?? 1;
    });
}
