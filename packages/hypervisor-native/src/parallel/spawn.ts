import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerVmSource } from './protocol.js';
import { SyncLink } from './sync-link.js';

/**
 * Start a VM worker thread. From the built package (dist/*.js) the worker runs vm-worker.js as is.
 * From the TypeScript sources — the CLI under tsx (bin/vm) and vitest — a worker does not inherit
 * the parent's loader (vitest transforms in-process; `--import` is refused in a Worker's execArgv),
 * so the worker starts from a small script that registers tsx's ESM hooks (`tsx/esm/api`
 * register(), Node's module.register) and then imports the .ts entry, with the `@vm/source`
 * export condition so @vm/* imports resolve to src/ as they do for the parent.
 */
export function spawnVmWorker(source: WorkerVmSource): { worker: Worker; link: SyncLink; died: () => string | undefined } {
  let died: string | undefined;
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './vm-worker.ts' : './vm-worker.js', here);
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const data: WorkerInit = { source, port: port2, flag };
  let worker: Worker;
  if (fromSource) {
    // require.resolve finds the CommonJS build; its ESM twin sits beside it.
    const tsxApi = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
    worker = new Worker(boot, { eval: true, workerData: data, transferList: [port2], execArgv: withSourceCondition(process.execArgv), stdout: false, stderr: false });
  } else {
    worker = new Worker(entry, { workerData: data, transferList: [port2] });
  }
  // Seen while the main thread awaits the worker's start (the event loop runs then); later the
  // main thread blocks in the link, and a throw inside the worker is answered as an error reply.
  worker.on('error', (e) => {
    died ??= e instanceof Error ? e.message : String(e);
  });
  worker.on('exit', (code) => {
    died ??= `the thread exited (${code})`;
  });
  const link = new SyncLink(port1, flag);
  link.expect();
  return { worker, link, died: () => died };
}

function withSourceCondition(execArgv: readonly string[]): string[] {
  const has = execArgv.some((a, i) => a === '--conditions=@vm/source' || a === '-C=@vm/source' || ((a === '--conditions' || a === '-C') && execArgv[i + 1] === '@vm/source'));
  return has ? [...execArgv] : [...execArgv, '--conditions=@vm/source'];
}
