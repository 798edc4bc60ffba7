/**
 * Assertions: broken invariants are our bugs, never user errors (STYLE 8).
 *
 * Interface: `assert(cond, msg)` throws AssertionError; `fail(msg)` throws it unconditionally
 * (for `if (bad) fail(\`...${x}\`)` on hot paths, where assert's argument would build the message
 * on every call); `unreachable(x)` closes every exhaustive switch over a discriminated union.
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

export function fail(message: string): never {
  throw new AssertionError(message);
}

export function unreachable(x: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(x)}`);
}
