/**
 * createReadStream / createWriteStream against node:fs's: one script, run on node:fs in a
 * tmpdir and on pmemfs, sees the same bytes, events, counters and errors; and a stream closes
 * the descriptor it opened.
 */
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freshFs } from './helpers.js';

type AnyFs = typeof nodeFs;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BIG = Buffer.alloc(300_000).map((_, i) => (i * 7) & 0xff);

async function script(f: AnyFs, p: (s: string) => string, real: string): Promise<unknown[]> {
  const out: unknown[] = [];
  f.writeFileSync(p('/big'), BIG);
  const events: string[] = [];
  const r = f.createReadStream(p('/big'), { start: 10, end: 200_009 });
  out.push(r.pending, String(r.path).split(real).join(''));
  r.on('open', () => events.push('open')).on('ready', () => events.push('ready')).on('end', () => events.push('end')).on('close', () => events.push('close'));
  const h = createHash('sha1');
  for await (const c of r) h.update(c as Buffer);
  await new Promise((resolve) => setImmediate(resolve));
  out.push(h.digest('hex'), r.bytesRead, events.join(','));
  const w = f.createWriteStream(p('/out'));
  await pipeline(f.createReadStream(p('/big')), w);
  out.push(w.bytesWritten, f.readFileSync(p('/out')).equals(BIG));
  const w2 = f.createWriteStream(p('/out'), { flags: 'r+', start: 2 });
  w2.write('AB');
  w2.write(Buffer.from('CD'));
  await new Promise<void>((resolve) => w2.end('E', resolve));
  out.push(f.readFileSync(p('/out')).subarray(0, 8).toString('latin1'));
  out.push(await new Promise((resolve) => f.createReadStream(p('/nope')).on('error', (e: NodeJS.ErrnoException) => resolve(`${e.code} ${e.syscall}`))));
  out.push(await new Promise((resolve) => {
    let s = '';
    f.createReadStream(p('/out'), { encoding: 'hex', end: 3 }).on('data', (c) => (s += c)).on('end', () => resolve(s));
  }));
  const bad: Array<() => unknown> = [
    () => f.createReadStream(5 as unknown as string),
    () => f.createReadStream(p('/big'), { start: -1 }),
    () => f.createReadStream(p('/big'), { start: 5, end: 2 }),
    () => f.createWriteStream(p('/x'), { start: 'a' as unknown as number }),
  ];
  for (const b of bad) {
    try {
      b();
      out.push('no throw');
    } catch (e) {
      out.push(`${(e as Error & { code: string }).code}: ${(e as Error).message}`);
    }
  }
  const fd = f.openSync(p('/big'), 'r');
  const got: number[] = [];
  for await (const c of f.createReadStream('', { fd, start: 0, end: 4, autoClose: false })) got.push(...(c as Buffer));
  f.closeSync(fd); // still open: autoClose false
  out.push(got.join(','));
  return out;
}

describe('streams', () => {
  it('read and write like node:fs\'s, and close what they opened', async () => {
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-streams-'));
    dirs.push(real);
    const expected = await script(nodeFs, (q) => join(real, q), real);
    const { fs } = freshFs();
    expect(await script(fs as unknown as AnyFs, (q) => q, real)).toEqual(expected);
    expect(fs.openFiles).toBe(0);
  });

  it('queued chunks go down as one writev, one transaction', async () => {
    const { fs } = freshFs();
    const w = fs.createWriteStream('/f');
    await new Promise((resolve) => w.once('ready', resolve));
    const before = fs.core.log.seq;
    w.cork();
    for (let i = 0; i < 5; i++) w.write(Buffer.alloc(1000, i));
    w.uncork();
    await new Promise<void>((resolve) => w.end(resolve));
    expect(fs.core.log.seq - before).toBe(1);
    expect(fs.statSync('/f')!.size).toBe(5000);
  });
});
