/**
 * The data pattern of the workload language: `write P OFF LEN SEED` stores, at every file offset
 * x in [OFF, OFF+LEN), the byte patternByte(SEED, x). Any reader (the model, the oracle, a human
 * with a hex dump) can recompute what a byte must be from the seed and the offset alone.
 *
 * Interface: `patternByte(seed, offset)`, `patternWord(seed, wordIndex)` (the little-endian
 * 4-byte word covering offsets 4·wordIndex .. 4·wordIndex+3), `fillPattern(target, seed,
 * fileOffset)` (target[i] = patternByte(seed, fileOffset + i)).
 *
 * Invariants:
 * - cheap: one word costs a murmur3 finaliser (two multiplies) plus a per-seed key;
 * - no aligned 4-byte word is zero, so a zero run is at most 6 bytes long (a hole or a lost
 *   write reads as a long zero run, which the pattern never contains);
 * - for a fixed word index the word is a bijection of the key, and the key a bijection of the
 *   seed, so two seeds give different words at the same offset (up to the zero-word remap);
 * - seeds are taken modulo 2^32; offsets may be any safe integer.
 */

const TWO32 = 4294967296;
/** What a word that hashes to 0 becomes instead (any non-zero constant). */
const NONZERO = 0x5a17c3e5;

/** murmur3's 32-bit finaliser: a bijection with good avalanche. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Per-(seed, high half of the word index) key: bijective in the seed. */
function keyOf(seed: number, hi: number): number {
  return fmix32(Math.imul(seed >>> 0, 0x27d4eb2f) ^ Math.imul(hi + 1, 0x9e3779b9) ^ 0x165667b1);
}

function wordWithKey(key: number, lo: number): number {
  const w = fmix32((lo ^ key) >>> 0);
  return w === 0 ? NONZERO : w;
}

/** The 4-byte word covering file offsets [4·wordIndex, 4·wordIndex + 4), little-endian. */
export function patternWord(seed: number, wordIndex: number): number {
  const hi = Math.floor(wordIndex / TWO32);
  return wordWithKey(keyOf(seed, hi), wordIndex >>> 0);
}

/** The byte at `offset` of data written with `seed`. */
export function patternByte(seed: number, offset: number): number {
  const w = patternWord(seed, Math.floor(offset / 4));
  return (w >>> (8 * (offset % 4))) & 0xff;
}

/** target[i] = patternByte(seed, fileOffset + i) for every i. */
export function fillPattern(target: Uint8Array, seed: number, fileOffset: number): void {
  const n = target.length;
  let i = 0;
  let word = Math.floor(fileOffset / 4);
  let shift = fileOffset % 4;
  let hi = -1;
  let key = 0;
  while (i < n) {
    const wordHi = Math.floor(word / TWO32);
    if (wordHi !== hi) {
      hi = wordHi;
      key = keyOf(seed, hi);
    }
    const w = wordWithKey(key, word >>> 0);
    for (; shift < 4 && i < n; shift++, i++) target[i] = (w >>> (8 * shift)) & 0xff;
    shift = 0;
    word++;
  }
}

/** A fresh buffer of `length` pattern bytes starting at `fileOffset`. */
export function patternBytes(seed: number, fileOffset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  fillPattern(out, seed, fileOffset);
  return out;
}
