/**
 * Argument errors, shaped like the ones node:fs throws before it makes any system call.
 *
 * Interface:
 *   invalidArgType(name, expected, actual)   TypeError  ERR_INVALID_ARG_TYPE
 *     "The "fd" argument must be of type number. Received type string ('a')"
 *   invalidArgValue(name, value, reason?)    TypeError  ERR_INVALID_ARG_VALUE
 *     "The argument 'flags' is invalid. Received 'xyz'"
 *   outOfRange(name, range, received)        RangeError ERR_OUT_OF_RANGE
 *     "The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received -1"
 *   argError(Class, code, message)           any other (node words some checks its own way;
 *                                            ERR_DIR_CLOSED is a plain Error)
 *   isArgError(e)
 *
 * Why not FsError: node:fs reports a wrong argument as a TypeError or RangeError whose `code`
 * names the mistake (no errno, no syscall: nothing was called), and code written against
 * node:fs tests for exactly that. Like node's, `code` is the errors' one enumerable own property,
 * and a name in the form "options.force" is called a property. The "Received ..." tail follows
 * node's lib/internal/errors.js (determineSpecificType, addNumericalSeparator), so the messages
 * are node's word for word; the compat suite checks them against node:fs.
 */
import { inspect } from 'node:util';

export type ArgErrorCode =
  | 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_URL_SCHEME' | 'ERR_DIR_CLOSED'
  | 'ERR_INCOMPATIBLE_OPTION_PAIR';

export type ArgError = Error & { readonly code: ArgErrorCode };

const ARG_CODES: ReadonlySet<string> = new Set<ArgErrorCode>([
  'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_URL_SCHEME', 'ERR_DIR_CLOSED', 'ERR_INCOMPATIBLE_OPTION_PAIR',
]);

export function argError(Class: typeof Error | typeof TypeError | typeof RangeError, code: ArgErrorCode, message: string): ArgError {
  const e = new Class(message) as Error & { code: ArgErrorCode };
  e.code = code;
  return e;
}

/** An error of a call's use (a wrong argument, a closed Dir), not of the filesystem. */
export function isArgError(e: unknown): e is ArgError {
  return e instanceof Error && ARG_CODES.has((e as { code?: unknown }).code as string);
}

/** `expected` is node's phrase: "of type number", "an instance of Buffer, TypedArray, or DataView". */
export function invalidArgType(name: string, expected: string, actual: unknown): ArgError {
  return argError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${kind(name)} must be ${expected}. Received ${specificType(actual)}`);
}

export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): ArgError {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return argError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${kind(name)} '${name}' ${reason}. Received ${shown}`);
}

/** `range` is node's phrase: "an integer", ">= 0 && <= 2147483647", "<= 4". */
export function outOfRange(name: string, range: string, received: unknown): ArgError {
  let shown: string;
  if (typeof received === 'number' && Number.isInteger(received) && Math.abs(received) > 2 ** 32) shown = separated(String(received));
  else if (typeof received === 'bigint') shown = `${received > 2n ** 32n || received < -(2n ** 32n) ? separated(String(received)) : String(received)}n`;
  else shown = inspect(received);
  return argError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`);
}

function kind(name: string): string {
  return name.includes('.') ? 'property' : 'argument';
}

/** What a value is, in node's words: "null", "an instance of Object", "type string ('a')". */
function specificType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function' && value.name !== '') return `function ${value.name}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string' && ctor.name !== '') return `an instance of ${ctor.name}`;
    return inspect(value, { depth: -1 });
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

/** 1099511627776 -> "1_099_511_627_776" (node's addNumericalSeparator). */
function separated(digits: string): string {
  const sign = digits.startsWith('-') ? '-' : '';
  let s = sign === '' ? digits : digits.slice(1);
  let out = '';
  for (; s.length > 3; s = s.slice(0, -3)) out = `_${s.slice(-3)}${out}`;
  return `${sign}${s}${out}`;
}
