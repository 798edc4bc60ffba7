/**
 * A request/response client over a real worker_thread, for tests: every call has a timeout,
 * a worker error or exit rejects what is waiting, and terminate() is safe to call twice.
 *
 * The worker answers each message with { ok: true, reply } or { ok: false, code, message }.
 */
import { Worker } from 'node:worker_threads';

export interface WorkerFailure extends Error {
  code?: string;
}

export class WorkerClient {
  private readonly worker: Worker;
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  constructor(file: URL, workerData: unknown) {
    this.worker = new Worker(file, { workerData });
    this.worker.on('message', (m: { ok: boolean; reply?: unknown; code?: string; message?: string }) => {
      const w = this.waiting;
      this.waiting = null;
      if (w === null) return;
      if (m.ok) w.resolve(m.reply);
      else w.reject(Object.assign(new Error(m.message ?? 'worker call failed'), { code: m.code }));
    });
    const fail = (e: Error): void => {
      this.dead = e;
      this.waiting?.reject(e);
      this.waiting = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  }

  /** One request; rejects after `timeoutMs` (the worker is then terminated). */
  call<T = unknown>(message: unknown, transfer: readonly never[] = [], timeoutMs = 10_000): Promise<T> {
    if (this.dead !== null) return Promise.reject(this.dead);
    if (this.waiting !== null) return Promise.reject(new Error('one call at a time'));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        void this.terminate();
        reject(new Error(`worker call timed out after ${timeoutMs} ms: ${JSON.stringify(message)}`));
      }, timeoutMs);
      this.waiting = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.worker.postMessage(message, transfer);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
