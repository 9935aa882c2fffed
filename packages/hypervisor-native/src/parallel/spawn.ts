import { MessageChannel, type Worker } from 'node:worker_threads';
import { spawnWorker, SyncLink } from '@vm/machine';
import type { WorkerInit, WorkerVmSource } from './protocol.js';

/**
 * Start a VM worker thread (vm-worker.ts, through @vm/machine's spawnWorker, which also loads it
 * from the TypeScript sources) with its synchronous link; the worker's first reply comes unasked.
 */
export function spawnVmWorker(source: WorkerVmSource): { worker: Worker; link: SyncLink; died: () => string | undefined } {
  const here = import.meta.url;
  const entry = new URL(here.endsWith('.ts') ? './vm-worker.ts' : './vm-worker.js', here);
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const data: WorkerInit = { source, port: port2, flag };
  const { worker, died } = spawnWorker(entry, data, [port2]);
  const link = new SyncLink(port1, flag);
  link.expect();
  return { worker, link, died };
}
