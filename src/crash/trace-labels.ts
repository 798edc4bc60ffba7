/**
 * The labels the harness writes into the device trace, so that a crash point (which records the
 * last label before it) maps to what was in flight:
 *
 *   op:K      operation K of the workload (1-based) starts
 *   clean:K   a checkpoint (or the whole cleaner) runs after operation K returned
 *             (settings.checkpointEvery): the tree must not change
 *   end       the workload is over
 * The filesystem adds its own labels (the opcode of each commit, 'checkpoint'); they are ignored.
 *
 * Interface: opLabel(k), cleanLabel(k), END_LABEL, parseLabel(text) -> Phase | null.
 */

export type Phase = { kind: 'op'; k: number } | { kind: 'clean'; k: number } | { kind: 'end' };

export const END_LABEL = 'end';

export function opLabel(k: number): string {
  return `op:${k}`;
}

export function cleanLabel(k: number): string {
  return `clean:${k}`;
}

export function parseLabel(text: string): Phase | null {
  if (text === END_LABEL) return { kind: 'end' };
  const m = /^(op|clean):(\d+)$/.exec(text);
  if (m === null) return null;
  const k = Number(m[2]);
  if (!Number.isSafeInteger(k) || k < 1) return null;
  return m[1] === 'op' ? { kind: 'op', k } : { kind: 'clean', k };
}
