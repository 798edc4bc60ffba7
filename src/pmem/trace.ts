/**
 * The device trace: every store, flush and fence in program order, with caller labels.
 *
 * A Trace starts with `base`, a frozen snapshot of the media when tracing began, and any lines
 * that were still pending then appear as the first events. Replaying the events on the base
 * reproduces the cache and, fence by fence, the media: that is what crash-states.ts does.
 *
 * A flush records the current contents of the lines it covers (`data`, line-aligned at
 * `offset`): stores made through DAX views are invisible to the device, and this is where they
 * enter the trace. Recording copies bytes; when tracing is off the device pays one branch.
 */
import type { Snapshot } from './snapshot.js';

export type TraceEvent =
  | { kind: 'store'; offset: number; data: Uint8Array }
  | { kind: 'ntstore'; offset: number; data: Uint8Array }
  | { kind: 'flush'; offset: number; data: Uint8Array }
  | { kind: 'fence' }
  | { kind: 'label'; text: string };

export interface Trace {
  readonly size: number;
  readonly mode: 'adr' | 'eadr';
  readonly base: Snapshot;
  readonly events: TraceEvent[];
}
