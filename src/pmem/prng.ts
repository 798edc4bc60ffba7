/**
 * A small seeded PRNG (mulberry32): crash policies and the harness must be reproducible from a
 * seed, which Math.random is not. Interface: `const r = prng(seed); r.next() in [0,1); r.int(n)`.
 */
export interface Prng {
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function prng(seed: number): Prng {
  let a = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}
