/**
 * pmemfs crash: crash-consistency campaigns (docs/CRASH-TESTING.md).
 *
 *   crash run WORKLOAD... [--policy P] [--bound K] [--points fence|store] [--jobs N] [--shard I/N]
 *                         [--db FILE] [--seed S] [--inject NAME]... [--json] [--no-prune]
 *   crash gen --ace seq-1|seq-2|seq-3 --out DIR [--sample N --seed S]
 *   crash gen --random N --seed S --out DIR [--count C]
 *   crash report DB [--json]      crash replay DB ID [--out IMAGE]      crash merge OUT.db IN.db...
 *   crash bugs [--json]
 * WORKLOAD is a .wl file, a directory of them, or ace:seq-N[:COUNT[:SEED]] (generated on the fly;
 * with COUNT, a seeded sample). `run` exits 1 when it found violations.
 * The work is in crash/ (the public API); cli/crash/ parses and prints.
 */
import { Option, type Command } from 'commander';
import { POLICIES } from '../../crash/index.js';
import { crashBugs, crashMerge, crashReplay, crashReport } from '../crash/db-commands.js';
import { crashGen, type GenFlags } from '../crash/gen-command.js';
import { crashRun, type RunFlags } from '../crash/run-command.js';
import { countArg, sizeArg } from '../size.js';

const collect = (value: string, prev: string[]): string[] => [...prev, value];

export function register(program: Command): void {
  const crash = program.command('crash').description('crash-consistency campaigns: run workloads, explore crash states, report violations');
  crash
    .command('run')
    .description('run workloads with the trace on and check every crash state the policy yields')
    .argument('<WORKLOAD...>', '.wl files, directories of them, or ace:seq-N[:COUNT[:SEED]] (generated, a seeded sample)')
    .addOption(new Option('--policy <P>', 'crash-state policy').choices([...POLICIES]))
    .option('--bound <K>', 'chipmunk: in-flight stores per state (2); random: states per point (10); vinter: max lines (4)', countArg('bound'))
    .addOption(new Option('--points <KIND>', 'crash points: before every fence, or also after every store').choices(['fence', 'store']))
    .option('--jobs <N>', 'worker threads', countArg('jobs'))
    .option('--shard <I/N>', 'check only shard I of N of the crash points (merge the databases afterwards)')
    .option('--db <FILE>', 'record the campaign in this SQLite database (created if missing)')
    .option('--seed <S>', 'seed of the vinter and random policies', countArg('seed'))
    .option('--inject <NAME>', "switch on a catalogued bug (repeatable; see 'crash bugs')", collect, [])
    .option('--device-size <SIZE>', 'device size of each workload (default 8m)', sizeArg('device size'))
    .option('--log-blocks <N>', 'metadata log size in blocks (default 16: checkpoints inside workloads)', countArg('log size'))
    .option('--checkpoint-every <N>', 'a checkpoint after every N-th op; 0: only when the log fills (default 3)', countArg('checkpoint interval'))
    .option('--defrag', 'make those checkpoints the whole cleaner (defragmentation moves blocks first)')
    .option('--no-prune', 'mount every state (no equivalence pruning)')
    .option('--json', 'print one JSON object')
    .action((sources: string[], flags: RunFlags) => crashRun(sources, flags));
  crash
    .command('gen')
    .description('write generated workloads (.wl) to a directory')
    .option('--ace <LEVEL>', 'ACE-style exhaustive: seq-1, seq-2 or seq-3')
    .option('--random <N>', 'random workloads of N ops', countArg('op count'))
    .requiredOption('--out <DIR>', 'directory to write to (created if missing)')
    .option('--seed <S>', 'seed (random workloads, ACE samples)', countArg('seed'))
    .option('--sample <N>', 'ACE: a seeded sample of N workloads instead of all', countArg('sample size'))
    .option('--count <C>', 'random: how many workloads (seeds S, S+1, ...)', countArg('count'))
    .option('--json', 'print one JSON object')
    .action((flags: GenFlags) => crashGen(flags));
  crash
    .command('report')
    .description('summarise a results database: campaigns, totals, violations')
    .argument('<DB>', 'results database')
    .option('--limit <N>', 'violations to list (50)', countArg('limit'))
    .option('--json', 'print one JSON object')
    .action((db: string, flags: { json?: boolean; limit?: number }) => crashReport(db, flags));
  crash
    .command('replay')
    .description('rebuild the crash image of one violation into an image file')
    .argument('<DB>', 'results database')
    .argument('<ID>', 'violation id (from crash report)')
    .option('--out <IMAGE>', 'image file to write (default crash-ID.pmem)')
    .option('-f, --force', 'overwrite an existing image file')
    .option('--json', 'print one JSON object')
    .action((db: string, id: string, flags: { out?: string; force?: boolean; json?: boolean }) => crashReplay(db, id, flags));
  crash
    .command('merge')
    .description('combine results databases (the shards of a campaign) into one')
    .argument('<OUT>', 'database to write (created if missing)')
    .argument('<IN...>', 'databases to copy from')
    .option('--json', 'print one JSON object')
    .action((out: string, inputs: string[], flags: { json?: boolean }) => crashMerge(out, inputs, flags));
  crash
    .command('bugs')
    .description('list the catalogue of injectable bugs')
    .option('--json', 'print one JSON object')
    .action((flags: { json?: boolean }) => crashBugs(flags));
}
