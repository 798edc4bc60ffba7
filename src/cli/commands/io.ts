/**
 * pmemfs io IMAGE PATH -c "CMD" [-c "CMD" ...] [-f]
 *
 * An xfs_io-style runner: opens PATH read-write (-f creates it), runs each -c command in order
 * and prints xfs_io's lines ('wrote 4096/4096 bytes at offset 0' and a rate line). Every command
 * is parsed before the image is opened, so a bad script changes nothing; the first command that
 * fails stops the script (exit 1). Commands: see IO_USAGE in io/io-command.ts and docs/CLI.md.
 */
import { constants } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../exit-status.js';
import { creationMode } from '../file-mode.js';
import { imagePath, withSession } from '../image-session.js';
import { IO_USAGE, parseIoCommand } from '../io/io-command.js';
import { IoRunner } from '../io/io-runner.js';

interface IoFlags {
  command: string[];
  create?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  program
    .command('io')
    .description('run xfs_io-style commands on a file in an image')
    .argument('<IMAGE>', 'image file')
    .argument('<PATH>', 'file inside the image')
    .option('-c, --command <CMD>', 'a command to run (repeatable, run in order)', collect, [])
    .option('-f, --create', 'create PATH if it does not exist')
    .addHelpText('after', `\nCommands:\n${Object.values(IO_USAGE).map((u) => `  ${u}`).join('\n')}`)
    .action((image: string, rawPath: string, flags: IoFlags) => {
      if (flags.command.length === 0) throw new UsageError('io: no commands: give at least one -c "CMD"');
      const script = flags.command.map(parseIoCommand);
      const path = imagePath(rawPath);
      withSession(image, 'read-write', (fs) => {
        const fd = fs.openSync(path, constants.O_RDWR | (flags.create === true ? constants.O_CREAT : 0), creationMode(0o666));
        try {
          const runner = new IoRunner(fs, path, fd, (line) => process.stdout.write(`${line}\n`));
          for (const c of script) runner.run(c);
        } finally {
          fs.closeSync(fd);
        }
      });
    });
}
