/**
 * Assertions: broken invariants are our bugs, never user errors (STYLE 8).
 *
 * Interface: `assert(cond, msg)` throws AssertionError; `unreachable(x)` closes every
 * exhaustive switch over a discriminated union.
 */

export class AssertionError extends Error {
  constructor(message: string) {
    super(`pmemfs internal assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function unreachable(x: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(x)}`);
}
