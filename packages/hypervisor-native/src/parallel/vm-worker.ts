/**
 * The entry of a VM worker thread (spawn.ts starts it): builds one VM from the factory named in
 * workerData and answers the main thread's requests synchronously (@vm/machine's threads/sync-link.ts) — run a slice,
 * take console input, snapshot, report, close. A throw while handling a request (an emulator bug,
 * a host allocation failure) is answered as an error and stops only this VM.
 */
import { workerData } from 'node:worker_threads';
import { VmError } from '@vm/core';
import { exitsByReason, formatReport, stoppedByHypervisor, summaryLine } from '../vm-report.js';
import { takeFromPool, type RemoteInfo, type Reply, type Request, type RemoteStatus, type WorkerInit, type WorkerVm, type WorkerVmFactory } from './protocol.js';
import { serveSyncLink, warmUp } from '@vm/machine';

const init = workerData as WorkerInit;
const out: number[] = [];
let made: WorkerVm | undefined;

function status(w: WorkerVm): RemoteStatus {
  const vm = w.vm;
  return {
    state: vm.state,
    guestInstructions: vm.stats.guestInstructions,
    retired: vm.board.retired,
    reportReason: vm.report?.reason,
    exitStatus: vm.exitStatus,
    stoppedByHypervisor: stoppedByHypervisor(vm),
    worldSwitches: w.hv.worldSwitches,
  };
}

function info(w: WorkerVm): RemoteInfo {
  const vm = w.vm;
  return { formatReport: formatReport(vm), summaryLine: summaryLine(vm), exitsByReason: exitsByReason(vm), events: vm.stats.events(), describe: vm.describe(), console: vm.console };
}

function drain(): Uint8Array {
  return Uint8Array.from(out.splice(0));
}

function errorReply(e: unknown): Reply {
  return { error: { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e), vm: e instanceof VmError } };
}

function handle(request: unknown): Reply {
  const r = request as Request;
  const w = made;
  if (w === undefined) return errorReply(new Error('the VM was not created'));
  try {
    switch (r.op) {
      case 'run': {
        if (r.pool === undefined) {
          const x = w.hv.run(r.budget);
          return { ran: x.instructions, reason: x.reason, status: status(w), out: drain() };
        }
        // Chunks from the session's shared budget until it is spent, this request's cap is
        // reached, or the VM stops or waits (then the unused part goes back for the others).
        const pool = new Int32Array(r.pool);
        let ran = 0;
        let reason: 'budget' | 'idle' | 'stopped' = 'budget';
        for (;;) {
          const take = takeFromPool(pool, Math.min(r.chunk ?? r.budget, r.budget - ran));
          if (take === 0) break;
          const x = w.hv.run(take);
          ran += x.instructions;
          // Trap steps use budget as instructions do (NativeHypervisor.run), so a VM in a trap
          // loop spends the pool too instead of taking from it forever.
          const used = Math.min(take, x.instructions + x.trapSteps);
          if (used < take) Atomics.add(pool, 0, take - used);
          reason = x.reason;
          if (x.reason !== 'budget' || used === 0) break;
        }
        return { ran, reason, status: status(w), out: drain() };
      }
      case 'input':
        return { taken: w.vm.sendInput(Buffer.from(r.bytes).toString('latin1')), status: status(w), out: drain() };
      case 'snapshot':
        return { snapshot: w.hv.snapshotVm(w.vm), status: status(w), out: drain() };
      case 'info':
        return { info: info(w), status: status(w), out: drain() };
      case 'close':
        // The end-of-run texts travel with the close reply: the thread ends after it.
        w.close?.();
        return { info: info(w), status: status(w), out: drain() };
    }
  } catch (e) {
    return errorReply(e);
  }
}

/** The first reply, unasked: the VM is built (or why not). */
async function start(): Promise<Reply> {
  try {
    // This thread's V8 starts cold: the hart's warm-up program first, as vm run does on its thread.
    if (process.env['VM_WARM_UP'] !== '0') warmUp();
    const mod = (await import(init.source.module)) as Record<string, unknown>;
    const f = mod[init.source.export];
    if (typeof f !== 'function') throw new Error(`${init.source.module} exports no function ${init.source.export}`);
    made = await (f as WorkerVmFactory)(init.source.args as never, (b) => void out.push(b));
    return { status: status(made), out: drain() };
  } catch (e) {
    return errorReply(e);
  }
}

const first = await start();
init.port.postMessage(first);
const flag = new Int32Array(init.flag);
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
serveSyncLink(init.port, init.flag, handle);
