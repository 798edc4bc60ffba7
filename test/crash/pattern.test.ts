import { describe, expect, it } from 'vitest';
import { fillPattern, patternByte, patternBytes, patternWord } from '../../src/crash/pattern.js';

describe('data pattern', () => {
  it('fillPattern agrees with patternByte at any alignment', () => {
    for (const start of [0, 1, 2, 3, 4095, 2 ** 33 - 2, 2 ** 40 + 3]) {
      const buf = new Uint8Array(37);
      fillPattern(buf, 9, start);
      for (let i = 0; i < buf.length; i++) expect(buf[i]).toBe(patternByte(9, start + i));
    }
  });

  it('is deterministic and seed-dependent at every word', () => {
    const a = patternBytes(1, 0, 4096);
    expect(patternBytes(1, 0, 4096)).toEqual(a);
    const b = patternBytes(2, 0, 4096);
    for (let w = 0; w < 1024; w++) expect(patternWord(1, w)).not.toBe(patternWord(2, w));
    expect(a).not.toEqual(b);
  });

  it('depends on the file offset, not on where the write started', () => {
    const whole = patternBytes(5, 0, 100);
    expect(patternBytes(5, 40, 60)).toEqual(whole.subarray(40));
  });

  it('has no aligned zero word, so zero runs are short', () => {
    for (const seed of [0, 1, 7, 2 ** 32 - 1]) {
      const buf = patternBytes(seed, 0, 1 << 16);
      let run = 0;
      let longest = 0;
      for (const b of buf) {
        run = b === 0 ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      expect(longest).toBeLessThanOrEqual(6);
    }
  });

  it('looks random: every byte value appears in 64 KiB', () => {
    const seen = new Set(patternBytes(3, 0, 1 << 16));
    expect(seen.size).toBe(256);
  });
});
