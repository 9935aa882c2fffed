import { ConfigError, VmError } from '@vm/core';
import type { Worker } from 'node:worker_threads';
import type { VmSnapshot } from '@vm/vcpu';
import type { Reply, RemoteInfo, RemoteStatus, Request, WorkerVmSource } from './protocol.js';
import { spawnVmWorker } from './spawn.js';
import type { SyncLink } from '@vm/machine';

/**
 * A VM running on its own worker thread, seen from the main thread: its state mirrored after each
 * request, its console bytes handed to `console` in order. A request the worker answers with an
 * error (something threw inside it) stops this VM only, with an `internal-error` report; the other
 * VMs, each on its own worker with its own hypervisor instance, go on.
 */
export class RemoteVm {
  status: RemoteStatus;
  /** Set when the worker failed: the VM counts as stopped by the hypervisor, with this message. */
  failure: string | undefined;
  private readonly worker: Worker;
  private readonly link: SyncLink;
  private closed = false;
  private last: RemoteInfo | undefined;

  private constructor(
    readonly name: string,
    private readonly console: (byte: number) => void,
    private readonly spawned: { worker: Worker; link: SyncLink; died: () => string | undefined },
  ) {
    this.worker = spawned.worker;
    this.link = spawned.link;
    this.status = { state: 'running', guestInstructions: 0, retired: 0, reportReason: undefined, exitStatus: undefined, stoppedByHypervisor: false, worldSwitches: 0 };
  }

  /** Start the worker and wait until it has built the VM; a ConfigError there is rethrown as one (exit 2). */
  static async start(name: string, source: WorkerVmSource, console: (byte: number) => void): Promise<RemoteVm> {
    return (await RemoteVm.startAll([{ name, source, console }]))[0]!;
  }

  /** Start every worker first, then wait for each: the VMs are built in parallel too. */
  static async startAll(list: readonly { name: string; source: WorkerVmSource; console: (byte: number) => void }[]): Promise<RemoteVm[]> {
    const vms = list.map((x) => new RemoteVm(x.name, x.console, spawnVmWorker(x.source)));
    let error: Error | undefined;
    for (const r of vms) {
      const first = (await r.link.waitAsync(r.spawned.died)) as Reply;
      // Started: the thread no longer keeps the process alive by itself (close ends it).
      r.worker.unref();
      if (!('error' in first)) {
        r.accept(first);
        continue;
      }
      r.failure = first.error.message;
      if (error !== undefined) continue;
      if (first.error.name === 'ConfigError') error = new ConfigError(first.error.message);
      else if (first.error.vm) error = new VmError(first.error.message);
      else error = new Error(`${r.name}: its worker thread failed to start: ${first.error.message}`);
    }
    if (error !== undefined) {
      for (const r of vms) r.close();
      throw error;
    }
    return vms;
  }

  get state(): RemoteStatus['state'] {
    return this.failure !== undefined ? 'stopped' : this.status.state;
  }

  /**
   * Post a slice of `budget` instructions; `finishRun` waits for it (so several VMs run at once).
   * With `pool`, the slice's instructions come out of a budget shared with other VMs (see Request).
   */
  startRun(budget: number, pool?: SharedArrayBuffer, chunk?: number): void {
    this.link.post({ op: 'run', budget, pool, chunk } satisfies Request);
  }

  finishRun(): { ran: number; reason: 'budget' | 'idle' | 'stopped' } {
    const r = this.reply(this.link.wait() as Reply);
    if (r === undefined) return { ran: 0, reason: 'stopped' };
    return { ran: r.ran ?? 0, reason: r.reason ?? 'budget' };
  }

  input(bytes: readonly number[]): number {
    if (this.state === 'stopped') return 0;
    return this.call({ op: 'input', bytes: [...bytes] })?.taken ?? 0;
  }

  snapshot(): VmSnapshot {
    if (this.failure !== undefined) throw new VmError(`${this.name}: ${this.failure}`);
    const r = this.link.call({ op: 'snapshot' } satisfies Request) as Reply;
    if ('error' in r) throw new VmError(`${this.name}: snapshot failed in its worker thread: ${r.error.message}`);
    this.accept(r);
    return r.snapshot!;
  }

  /** The texts for the end of the run (kept from `close` on: the worker is gone then). */
  info(): RemoteInfo {
    if (this.last !== undefined) return this.last;
    const r = this.failure === undefined && !this.closed ? this.call({ op: 'info' }) : undefined;
    if (r?.info !== undefined) return r.info;
    const report = `vm: VM '${this.name}' stopped: internal-error in its worker thread: ${this.failure ?? 'no answer'}\n`;
    return { formatReport: report, summaryLine: `vm: [${this.name}] internal-error, ${this.status.guestInstructions} instructions`, exitsByReason: '', events: {}, describe: this.failure ?? '', console: '' };
  }

  /** Write disks back (in the worker) and end the thread. */
  close(): void {
    if (this.closed) return;
    if (this.failure === undefined) {
      this.last = this.call({ op: 'close' })?.info;
    }
    this.closed = true;
    void this.worker.terminate();
  }

  private call(request: Request): Extract<Reply, { status: RemoteStatus }> | undefined {
    return this.reply(this.link.call(request) as Reply);
  }

  private reply(r: Reply): Extract<Reply, { status: RemoteStatus }> | undefined {
    if ('error' in r) {
      this.failure = `${r.error.name}: ${r.error.message}`;
      return undefined;
    }
    this.accept(r);
    return r;
  }

  private accept(r: Extract<Reply, { status: RemoteStatus }>): void {
    this.status = r.status;
    for (const b of r.out) this.console(b);
  }
}
