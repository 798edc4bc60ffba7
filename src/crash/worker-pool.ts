/**
 * runOnWorkers: a campaign's workloads on `jobs` worker threads. Each worker (campaign-worker.ts)
 * gets the settings once, then one workload at a time as it comes free, and answers with its
 * WorkloadResult; `take` sees every result on this thread, in completion order.
 *
 * Workers run the compiled package: this file's sibling campaign-worker.js, or, when this file
 * is itself running from TypeScript sources (vitest), the one under dist/ (`npm run build`,
 * which `npm test` does first). A worker that fails or exits early rejects the campaign.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CampaignSettings } from './settings.js';
import type { WorkloadResult } from './workload-check.js';
import type { Workload } from './workload.js';

export type WorkerRequest = { type: 'check'; index: number; workload: Workload };
export type WorkerReply = { type: 'result'; result: WorkloadResult } | { type: 'error'; index: number; message: string };

/** The compiled worker script, as a file URL. */
export function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./campaign-worker.js', import.meta.url);
  const compiled = here.replace(/([\\/])src([\\/])crash([\\/])[^\\/]+\.ts$/, '$1dist$1src$2crash$3campaign-worker.js');
  if (compiled === here || !existsSync(compiled)) {
    throw new Error(`--jobs needs the compiled worker (${compiled}): run \`npm run build\` first`);
  }
  return pathToFileURL(compiled);
}

export function runOnWorkers(workloads: readonly Workload[], settings: CampaignSettings, jobs: number, take: (r: WorkloadResult) => void): Promise<void> {
  const url = workerUrl();
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let pending = workloads.length;
    let failed = false;
    const workers: Worker[] = [];
    const finish = (err: Error | null): void => {
      if (failed) return;
      if (err !== null) failed = true;
      for (const w of workers) void w.terminate();
      if (err !== null) reject(err);
      else resolve();
    };
    const feed = (w: Worker): void => {
      if (next >= workloads.length) return;
      const index = next++;
      w.postMessage({ type: 'check', index, workload: workloads[index]! } satisfies WorkerRequest);
    };
    if (pending === 0) return resolve();
    for (let j = 0; j < jobs; j++) {
      const w = new Worker(url, { workerData: { settings } });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (failed) return;
        if (m.type === 'error') return finish(new Error(`workload ${m.index}: ${m.message}`));
        try {
          take(m.result);
        } catch (e) {
          return finish(e instanceof Error ? e : new Error(String(e)));
        }
        if (--pending === 0) return finish(null);
        feed(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (pending > 0) finish(new Error(`a campaign worker exited (code ${code}) with ${pending} workload(s) left`));
      });
      feed(w);
    }
  });
}
