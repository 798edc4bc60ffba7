/** Parsing the xfs_io-style command language (src/cli/io/io-command.ts): table-driven. */
import { describe, expect, it } from 'vitest';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE } from '../../src/fs/index.js';
import { parseIoCommand, splitWords } from '../../src/cli/io/io-command.js';

describe('parseIoCommand', () => {
  it.each([
    ['pwrite 0 4k', { op: 'pwrite', offset: 0, length: 4096, seed: 0xcd, bufferSize: 65536 }],
    ['pwrite -S 0x41 -b 1k 4k 8k', { op: 'pwrite', offset: 4096, length: 8192, seed: 0x41, bufferSize: 1024 }],
    ['pwrite -S0 0 1', { op: 'pwrite', offset: 0, length: 1, seed: 0 }],
    ['pread -v 0 512', { op: 'pread', offset: 0, length: 512, verbose: true }],
    ['falloc -k 0 1m', { op: 'fallocate', verb: 'falloc', mode: FALLOC_FL_KEEP_SIZE, length: 1 << 20 }],
    ['fpunch 4k 4k', { op: 'fallocate', mode: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE }],
    ['fzero 0 4k', { op: 'fallocate', mode: FALLOC_FL_ZERO_RANGE }],
    ['truncate 0x2000', { op: 'truncate', length: 8192 }],
    ['reflink /src', { op: 'reflink', source: '/src', range: null }],
    ['reflink /src 0 4k 8k', { op: 'reflink', range: { srcOffset: 0, dstOffset: 4096, length: 8192 } }],
    ['dedupe /src 0 0 4k', { op: 'dedupe', source: '/src' }],
    ['fsync', { op: 'fsync' }],
    ['setxattr user.a "two words"', { op: 'setxattr', name: 'user.a', value: 'two words' }],
    ["getxattr 'user.a'", { op: 'getxattr', name: 'user.a' }],
  ])('%s', (text, want) => {
    expect(parseIoCommand(text)).toMatchObject(want);
  });

  it.each([
    ['', /empty command/], ['frob 0', /unknown command 'frob'/], ['pwrite 0', /expected 2 argument/], ['pwrite -S 256 0 1', /not a byte/],
    ['pread -x 0 1', /unknown option -x/], ['fpunch -k 0 4k', /unknown option -k/], ['pwrite -b', /-b needs a value/],
    ['truncate lots', /invalid length 'lots'/], ['dedupe /a 0 0', /expected 4/], ['fsync now', /expected 0/],
    ["setxattr user.a 'two words", /unterminated ' quote/], ['"', /unterminated " quote/],
  ])('rejects %j', (text, why) => {
    expect(() => parseIoCommand(text)).toThrow(why);
  });

  it('splits words with quotes', () => {
    expect(splitWords(`setxattr  user.x 'a b' "c d" e`)).toEqual(['setxattr', 'user.x', 'a b', 'c d', 'e']);
  });
});
