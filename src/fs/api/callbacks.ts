/**
 * node:fs's callback API (fs.readFile(path, cb), fs.stat(path, cb), ...) over the synchronous
 * calls, so code written against memfs's Volume or node:fs's callbacks runs on a mounted
 * pmemfs unchanged.
 *
 * Interface: installCallbacks(prototype) gives the class a method `name` for each `nameSync`
 * (CALLBACK_NAMES), typed by CallbackApi. As in node:fs:
 *   - the callback is the last argument and must be a function (else ERR_INVALID_ARG_TYPE,
 *     thrown at once);
 *   - a wrong argument throws at once too (node validates before it queues the request);
 *   - everything else (the result, an errno error) reaches the callback on a later tick, never
 *     inside the call;
 *   - read/write/readv/writev call back (err, bytes, buffer(s)); read also takes node's forms
 *     read(fd, cb) and read(fd, { buffer, offset, length, position }, cb); exists calls back
 *     (boolean).
 * The work itself is synchronous (the operation is atomic and durable before the callback is
 * queued), so the callback API adds no concurrency, as fs.promises adds none (promises.ts).
 */
import { invalidArgType, isArgError } from '../../errno/index.js';

/** Calls whose callback receives (err, result). */
export const CALLBACK_NAMES = [
  'access', 'appendFile', 'chmod', 'chown', 'close', 'copyFile', 'cp', 'fchmod', 'fchown', 'fdatasync', 'fstat', 'fsync',
  'ftruncate', 'futimes', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp', 'open', 'opendir', 'readdir',
  'readFile', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'symlink', 'truncate', 'unlink', 'utimes', 'writeFile',
] as const;

/** Calls whose callback receives (err, bytes, the buffer or buffers passed in as argument 1). */
const IO_NAMES = ['read', 'write', 'readv', 'writev'] as const;

type Callback = (err: NodeJS.ErrnoException | null, ...results: unknown[]) => void;

/**
 * The callback forms. Their arguments are the synchronous call's plus the callback; typed
 * loosely (the overloads of node:fs's callback API are not worth restating here).
 */
export type CallbackApi = {
  [K in (typeof CALLBACK_NAMES)[number] | (typeof IO_NAMES)[number]]: (...args: [...unknown[], Callback]) => void;
} & {
  exists(path: unknown, cb: (exists: boolean) => void): void;
};

type SyncCall = (...args: unknown[]) => unknown;

export function installCallbacks(proto: object): void {
  const define = (name: string, fn: (this: Record<string, SyncCall>, ...args: unknown[]) => void) =>
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  for (const name of CALLBACK_NAMES) {
    define(name, function (...args) {
      const cb = callbackOf(args);
      run(() => this[`${name}Sync`]!(...args), cb, (r) => [r]);
    });
  }
  for (const name of IO_NAMES) {
    define(name, function (...args) {
      const cb = callbackOf(args);
      if (name === 'read') readForms(args);
      run(() => this[`${name}Sync`]!(...args), cb, (n) => [n, args[1]]);
    });
  }
  define('exists', function (...args) {
    const cb = callbackOf(args);
    const found = (this['existsSync'] as SyncCall)(...args) as boolean;
    process.nextTick(cb as unknown as (b: boolean) => void, found);
  });
}

/**
 * fs.read's forms without a buffer argument, made positional as readSync takes them:
 * read(fd, cb) and read(fd, { buffer?, offset?, length?, position? }, cb), the buffer by
 * default a new 16 KiB Buffer (node:fs's).
 */
function readForms(args: unknown[]): void {
  if (args.length > 2 || ArrayBuffer.isView(args[1])) return;
  const o = (args[1] ?? {}) as { buffer?: ArrayBufferView; offset?: number; length?: number; position?: number | bigint | null };
  const buffer = o.buffer ?? Buffer.alloc(16_384);
  const offset = o.offset ?? 0;
  args.splice(1, 1, buffer, offset, o.length ?? buffer.byteLength - offset, o.position ?? null);
}

/** Removes and returns the callback (the last argument). */
function callbackOf(args: unknown[]): Callback {
  const cb = args.at(-1);
  if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', undefined);
  args.pop();
  return cb as Callback;
}

function run(call: () => unknown, cb: Callback, results: (r: unknown) => unknown[]): void {
  let r: unknown;
  try {
    r = call();
  } catch (e) {
    if (isArgError(e)) throw e; // node:fs throws these before queuing anything
    process.nextTick(cb, e as NodeJS.ErrnoException);
    return;
  }
  process.nextTick(cb, null, ...results(r));
}
