/**
 * bench/run: every benchmark in sequence (device, fs, dax, crash, scale), each in its own node process so
 * one's heap and gigabyte buffers never weigh on the next. Arguments (--quick, --json, --reps N,
 * --only WORD) are passed through; with --json the reports are printed as one document,
 * { benches: [device report, fs report] }. Exits non-zero if a benchmark failed to run (never
 * because a goal was missed: benchmarks are not tests).
 *
 * Run: npm run bench [-- --quick] [-- --json]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = ['device', 'fs', 'dax', 'crash', 'scale'] as const;

function main(): number {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const nodeArgs = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const reports: unknown[] = [];
  let failures = 0;
  for (const name of BENCHES) {
    const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
    const child = spawnSync(process.execPath, [...nodeArgs, file, ...args], {
      stdio: json ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    if (child.status !== 0) {
      failures++;
      console.error(`bench/${name} failed: ${child.error?.message ?? `exit ${child.status ?? child.signal}`}`);
      continue;
    }
    if (json) reports.push(JSON.parse(child.stdout) as unknown);
    else console.log('');
  }
  if (json) console.log(JSON.stringify({ benches: reports }, null, 2));
  return failures === 0 ? 0 : 1;
}

process.exitCode = main();
