/**
 * The argument checks node:fs makes before any system call, with node's errors
 * (errno/arg-error.ts): a wrong type is ERR_INVALID_ARG_TYPE, a bad value ERR_INVALID_ARG_VALUE,
 * a number outside its range ERR_OUT_OF_RANGE. The API layer runs them first, in node's order
 * (arguments left to right), so a call with a bad argument fails the way it does on node:fs
 * whatever else is wrong (a missing path, a closed descriptor).
 *
 * Interface:
 *   validatePath(p, name?)          string | Buffer | Uint8Array | file: URL -> string, no NUL
 *   validateFd(fd)                  integer in [0, 2^31-1] (-0 is 0)
 *   validateInteger(v, name, min?, max?)
 *   validateBoolean(v, name)
 *   validateBuffer(b)               an ArrayBufferView (read targets)
 *   validateData(d, name)           a string or an ArrayBufferView (write sources)
 *   optionsOf(options)              node's getOptions: undefined/null -> {}, a string -> {encoding},
 *                                   an object as is; its encoding checked
 *   parseFileMode(mode, name, def)  a uint32 or an octal string ('644')
 *   accessMode(mode, def)           access/copyFile's 0..7
 *   toUnixSeconds(time, name, now)  utimes' times: a number, a numeric string or a Date
 *   checkOwner(uid, gid)            chown's ids: -1 or a uint32
 *   readRange / writeRange          offset and length inside the buffer (read, write)
 *   readPosition / writePosition    a read's position (checked) / a write's (anything else is
 *                                   the file position, as node:fs passes it on)
 *   validateViews(buffers)          readv/writev's array of ArrayBufferViews
 *   invalidOptions(o)               readSync's options argument of a wrong type
 */
import { fileURLToPath } from 'node:url';
import { argError, invalidArgType, invalidArgValue, outOfRange } from '../../errno/index.js';

const PATH_TYPES = 'of type string or an instance of Buffer or URL';
const VIEW_TYPES = 'an instance of Buffer, TypedArray, or DataView';
const UINT32_MAX = 2 ** 32 - 1;
const INT32_MAX = 2 ** 31 - 1;

export function validatePath(p: unknown, name = 'path'): string {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (p instanceof Uint8Array) s = Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  else if (p instanceof URL) {
    if (p.protocol !== 'file:') throw argError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    s = fileURLToPath(p);
  } else throw invalidArgType(name, PATH_TYPES, p);
  if (s.includes('\u0000')) throw invalidArgValue(name, p, 'must be a string, Uint8Array, or URL without null bytes');
  return s;
}

export function validateInteger(v: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v);
  if (v < min || v > max) throw outOfRange(name, `>= ${min} && <= ${max}`, v);
  return v;
}

export function validateFd(fd: unknown): number {
  return Object.is(fd, -0) ? 0 : validateInteger(fd, 'fd', 0, INT32_MAX);
}

export function validateInt32(v: unknown, name: string): number {
  return validateInteger(v, name, -(2 ** 31), INT32_MAX);
}

export function validateBoolean(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidArgType(name, 'of type boolean', v);
  return v;
}

export function validateBuffer(b: unknown, name = 'buffer'): ArrayBufferView {
  if (!ArrayBuffer.isView(b)) throw invalidArgType(name, VIEW_TYPES, b);
  return b;
}

export function validateData(d: unknown, name: string): string | ArrayBufferView {
  if (typeof d !== 'string' && !ArrayBuffer.isView(d)) throw invalidArgType(name, `of type string or ${VIEW_TYPES}`, d);
  return d;
}

/** An options argument, node's getOptions(): checked for its type and its encoding. */
export function optionsOf<T extends { encoding?: unknown }>(options: unknown): Partial<T> {
  let o: Partial<T>;
  if (options === undefined || options === null || typeof options === 'function') o = {};
  else if (typeof options === 'string') o = { encoding: options } as Partial<T>;
  else if (typeof options === 'object') o = options as Partial<T>;
  else throw invalidArgType('options', 'one of type string or object', options);
  const e = o.encoding;
  if (e !== undefined && e !== null && e !== 'buffer' && !(typeof e === 'string' && Buffer.isEncoding(e))) {
    throw invalidArgValue('encoding', e, 'is invalid encoding');
  }
  return o;
}

/** A mode as node:fs takes it: a uint32, or a string of octal digits ('644'); null/undefined is `def`. */
export function parseFileMode(mode: unknown, name: string, def?: number): number {
  const m = mode ?? def;
  if (typeof m === 'string') {
    if (!/^[0-7]+$/.test(m)) throw invalidArgValue(name, m, 'must be a 32-bit unsigned integer or an octal string');
    return parseInt(m, 8);
  }
  return validateInteger(m, name, 0, UINT32_MAX);
}

/**
 * The mode of accessSync and copyFileSync (0..7), checked as node's binding checks it: in words
 * of its own, and a fraction is cut to an integer.
 */
export function accessMode(mode: unknown, def: number): number {
  if (mode === undefined || mode === null) return def;
  if (typeof mode !== 'number') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'mode must be int32 or null/undefined');
  if (Number.isNaN(mode)) throw argError(RangeError, 'ERR_OUT_OF_RANGE', 'mode is out of range');
  const m = Math.trunc(mode);
  if (m < 0 || m > 7) throw argError(RangeError, 'ERR_OUT_OF_RANGE', 'mode is out of range: >= 0 && <= 7');
  return m;
}

/**
 * A time for utimes, in seconds: a finite number, a numeric string or a Date. As node:fs
 * (toUnixTimestamp), a negative number means now.
 */
export function toUnixSeconds(time: unknown, name: string, nowMs: () => number): number {
  if (typeof time === 'string' && !Number.isNaN(Number(time))) return Number(time); // node's `+time == time`
  if (typeof time === 'number' && Number.isFinite(time)) return time < 0 ? nowMs() / 1000 : time;
  if (time instanceof Date) return time.getTime() / 1000;
  throw invalidArgType(name, 'an instance of Date or an Time in seconds', time); // sic: node's words
}

// --- read and write arguments (node:fs's validateOffsetLength*, validatePosition, ...) ----

/** A write's (or readv's) position as node:fs passes it on: a non-negative safe integer, else the file position. */
export function writePosition(p: unknown): number | null {
  return typeof p === 'number' && Number.isSafeInteger(p) && p >= 0 ? p : null;
}

/** readv/writev's buffers: an array of ArrayBufferViews (node names the whole array in the error). */
export function validateViews(buffers: unknown): void {
  if (!Array.isArray(buffers) || !buffers.every((b) => ArrayBuffer.isView(b))) throw invalidArgType('buffers', 'an ArrayBufferView[]', buffers);
}

/** chown's ids: -1 (leave as is) or a uint32. */
export function checkOwner(uid: unknown, gid: unknown): void {
  validateInteger(uid, 'uid', -1, 2 ** 32 - 1);
  validateInteger(gid, 'gid', -1, 2 ** 32 - 1);
}

/** readSync's options argument, when it is neither an object nor absent. */
export function invalidOptions(options: unknown): Error {
  return invalidArgType('options', 'of type object', options);
}

/** node:fs's validateOffsetLengthRead. */
export function readRange(offset: number, length: number, bufferLength: number): void {
  if (length < 0) throw outOfRange('length', '>= 0', length);
  if (offset + length > bufferLength) throw outOfRange('length', `<= ${bufferLength - offset}`, length);
}

/** readSync's position: null, undefined, -1 (or -1n) read at the file position; else an offset. */
export function readPosition(p: unknown): number | null {
  if (p === null || p === undefined) return null;
  if (typeof p === 'bigint') {
    // node:fs takes any int64, and a negative one (not only -1n) reads at the file position.
    if (p < -(2n ** 63n) || p >= 2n ** 63n) throw outOfRange('position', `>= ${-(2n ** 63n)} && <= ${2n ** 63n - 1n}`, p);
    return p < 0n ? null : Number(p);
  }
  if (typeof p !== 'number') throw invalidArgType('position', 'of type bigint or integer', p);
  const n = validateInteger(p, 'position', -1);
  return n === -1 ? null : n;
}

/** node:fs's validateOffsetLengthWrite. */
export function writeRange(offset: number, length: number, byteLength: number): void {
  if (offset > byteLength) throw outOfRange('offset', `<= ${byteLength}`, offset);
  if (length > byteLength - offset) throw outOfRange('length', `<= ${byteLength - offset}`, length);
  if (length < 0) throw outOfRange('length', '>= 0', length);
  validateInt32(length, 'length');
}
