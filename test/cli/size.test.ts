/** The one size parser (src/cli/size.ts) and its xfs_io-style printer. */
import { describe, expect, it } from 'vitest';
import { formatSize, parseSize, sizeArg } from '../../src/cli/size.js';

describe('parseSize', () => {
  it.each([
    ['4096', 4096], ['0x1000', 4096], ['4k', 4096], ['4K', 4096], ['64m', 64 << 20], ['64MiB', 64 << 20], ['64mb', 64 << 20],
    ['1g', 2 ** 30], ['1.5g', 1.5 * 2 ** 30], ['2t', 2 * 2 ** 40], ['512b', 512], ['0', 0],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', '12q', '-4k', '1.5', '0.3k', 'k', '4 kk', '1e3', '64ib', 'NaN', '99999999999p'])('rejects %j with EINVAL', (text) => {
    expect(() => parseSize(text)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('is a usage error through commander', () => {
    expect(() => sizeArg('size')('12q')).toThrow(/EINVAL: invalid size '12q'/);
  });
});

describe('formatSize', () => {
  it.each([[512, '512 bytes'], [4096, '4 KiB'], [64 << 20, '64 MiB'], [1536, '1.500 KiB'], [2 ** 30, '1 GiB']])('%d -> %s', (n, s) => {
    expect(formatSize(n)).toBe(s);
  });
});
