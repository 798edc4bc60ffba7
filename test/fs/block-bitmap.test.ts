import { describe, expect, it } from 'vitest';
import { prng } from '../../src/index.js';
import { BlockBitmap } from '../../src/fs/alloc/block-bitmap.js';

describe('BlockBitmap', () => {
  it('agrees with a Set, across pages and past block 2^31', () => {
    const r = prng(3);
    const bits = new BlockBitmap();
    const model = new Set<number>();
    // Clustered candidates (several per page and word) plus far ones (page index past 2^16,
    // block numbers past 2^31 and 2^32, where 32-bit shifts would wrap).
    const bases = [0, 31, 32, 32_767, 32_768, 2 ** 31 - 5, 2 ** 32 + 7, 2 ** 34 - 40];
    for (let step = 0; step < 20_000; step++) {
      const b = bases[r.int(bases.length)]! + r.int(70);
      switch (r.int(3)) {
        case 0:
          bits.add(b);
          model.add(b);
          break;
        case 1:
          expect(bits.delete(b)).toBe(model.delete(b));
          break;
        default:
          expect(bits.has(b)).toBe(model.has(b));
      }
      expect(bits.size).toBe(model.size);
    }
    expect(bits.blocks()).toEqual([...model].sort((x, y) => x - y));
  });

  it('is empty to start with and after deleting everything', () => {
    const bits = new BlockBitmap();
    expect(bits.has(5)).toBe(false);
    expect(bits.delete(5)).toBe(false);
    bits.add(5);
    bits.add(5);
    expect(bits.size).toBe(1);
    expect(bits.delete(5)).toBe(true);
    expect(bits.size).toBe(0);
    expect(bits.blocks()).toEqual([]);
  });
});
