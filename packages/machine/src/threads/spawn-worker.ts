import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';

/**
 * Start a worker thread running `entry` (the URL of its module beside the caller: `.ts` when the
 * caller runs from sources, `.js` when built). From the built packages (dist/*.js) the worker runs
 * the entry as is. From the TypeScript sources — the CLI under tsx (bin/vm) and vitest — a worker
 * does not inherit the parent's loader (vitest transforms in-process; `--import` is refused in a
 * Worker's execArgv), so the worker starts from a small script that registers tsx's ESM hooks
 * (`tsx/esm/api` register(), Node's module.register) and then imports the .ts entry, with the
 * `@vm/source` export condition so @vm/* imports resolve to src/ as they do for the parent.
 * `died` says why the thread ended early (seen while the parent's event loop runs).
 */
export function spawnWorker(entry: URL, workerData: unknown, transferList: readonly TransferListItem[]): { worker: Worker; died: () => string | undefined } {
  let died: string | undefined;
  let worker: Worker;
  if (entry.href.endsWith('.ts')) {
    // require.resolve finds the CommonJS build; its ESM twin sits beside it.
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
    worker = new Worker(boot, { eval: true, workerData, transferList: [...transferList], execArgv: withSourceCondition(process.execArgv), stdout: false, stderr: false });
  } else {
    worker = new Worker(entry, { workerData, transferList: [...transferList] });
  }
  worker.on('error', (e) => {
    died ??= e instanceof Error ? e.message : String(e);
  });
  worker.on('exit', (code) => {
    died ??= `the thread exited (${code})`;
  });
  return { worker, died: () => died };
}

function withSourceCondition(execArgv: readonly string[]): string[] {
  const has = execArgv.some((a, i) => a === '--conditions=@vm/source' || a === '-C=@vm/source' || ((a === '--conditions' || a === '-C') && execArgv[i + 1] === '@vm/source'));
  return has ? [...execArgv] : [...execArgv, '--conditions=@vm/source'];
}
