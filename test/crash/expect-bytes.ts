/** Fast byte and tree assertions: vitest's deep equality walks typed arrays element by element. */
import { expect } from 'vitest';
import { diffTrees, firstDifference, type Tree } from '../../src/crash/tree.js';

export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, 'no data').toBeDefined();
  const a = actual ?? new Uint8Array(0);
  const at = firstDifference(a, expected);
  expect({ length: a.length, firstDifference: at }).toEqual({ length: expected.length, firstDifference: -1 });
}

export function expectSameTree(actual: Tree, expected: Tree): void {
  expect(diffTrees(expected, actual)).toEqual([]);
}
