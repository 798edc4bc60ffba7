/**
 * Crash policies for a live device's crash(): which pending lines survive, and how much of each.
 *
 *   { kind: 'strict' }        only what was fenced
 *   { kind: 'all' }           every store the device saw (each pending line at its current contents)
 *   { kind: 'random', seed }  per pending line, a random in-order prefix at 8-byte granularity
 *
 * A live device keeps, per pending line, only its durable and current contents, not each store,
 * so 'random' takes prefixes of the line's changed 8-byte words in address order: exactly the
 * states a single memcpy into the line can leave. The trace-driven enumeration in
 * crash-states.ts knows every store and produces exact per-store prefixes.
 */
import { unreachable } from '../errno/index.js';
import { LINE, WORD } from './geometry.js';
import { prng } from './prng.js';

export type CrashPolicy = { kind: 'strict' } | { kind: 'all' } | { kind: 'random'; seed: number };

export function chooseCrashLines(
  policy: CrashPolicy,
  pending: number[],
  durableOf: (line: number) => Uint8Array,
  currentOf: (line: number) => Uint8Array,
): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  switch (policy.kind) {
    case 'strict':
      return out;
    case 'all':
      for (const line of pending) out.set(line, currentOf(line));
      return out;
    case 'random': {
      const r = prng(policy.seed);
      for (const line of pending) {
        const durable = durableOf(line);
        const current = currentOf(line);
        const words = changedWords(durable, current);
        const keep = r.int(words.length + 1);
        if (keep === 0) continue;
        for (let i = 0; i < keep; i++) {
          const w = words[i]!;
          durable.set(current.subarray(w, w + WORD), w);
        }
        out.set(line, durable);
      }
      return out;
    }
    default:
      return unreachable(policy, 'crash policy');
  }
}

/** Byte offsets of the 8-byte words in which two lines differ, in address order. */
export function changedWords(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let w = 0; w < LINE; w += WORD) {
    for (let i = w; i < w + WORD; i++) {
      if (a[i] !== b[i]) {
        out.push(w);
        break;
      }
    }
  }
  return out;
}
