/**
 * The worker-thread side of `--jobs` (worker-pool.ts): receives the campaign settings in
 * workerData, then checks one workload per message and posts its WorkloadResult. A thrown
 * error is posted back (the campaign stops) rather than crashing the thread silently.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CampaignSettings } from './settings.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';
import { checkWorkload } from './workload-check.js';

const { settings } = workerData as { settings: CampaignSettings };
const port = parentPort!;

port.on('message', (m: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { type: 'result', result: checkWorkload(m.workload, m.index, settings) };
  } catch (e) {
    reply = { type: 'error', index: m.index, message: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  port.postMessage(reply);
});
