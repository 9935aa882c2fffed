import type { Process } from './process.js';

/** The default weight (Linux's nice 0). */
export const DEFAULT_WEIGHT = 1024;

/**
 * Proportional-share scheduling (weighted fair queueing, as CFS): each process accrues virtual
 * runtime at instructions × DEFAULT_WEIGHT / weight, the runnable process with the least runs
 * next for at most one quantum. Over time CPU divides in proportion to the weights.
 */
export class Scheduler {
  readonly processes: Process[] = [];
  contextSwitches = 0;
  private last: Process | undefined;

  constructor(readonly quantum: number) {}

  add(p: Process): void {
    // A newcomer starts level with the others, not with a head start of all past time.
    p.vruntime = this.minVruntime();
    this.processes.push(p);
  }

  remove(p: Process): void {
    const i = this.processes.indexOf(p);
    if (i >= 0) this.processes.splice(i, 1);
    if (this.last === p) this.last = undefined;
  }

  wake(p: Process): void {
    if (p.state !== 'blocked') return;
    p.state = 'runnable';
    p.waitingFor = undefined;
    p.vruntime = Math.max(p.vruntime, this.minVruntime());
  }

  pick(): Process | undefined {
    let best: Process | undefined;
    for (const p of this.processes) if (p.state === 'runnable' && (best === undefined || p.vruntime < best.vruntime)) best = p;
    if (best !== undefined && best !== this.last) {
      if (this.last !== undefined) this.contextSwitches++;
      this.last = best;
    }
    return best;
  }

  charge(p: Process, instructions: number): void {
    p.vruntime += (instructions * DEFAULT_WEIGHT) / p.weight;
  }

  private minVruntime(): number {
    let m: number | undefined;
    for (const p of this.processes) if (p.state === 'runnable' && (m === undefined || p.vruntime < m)) m = p.vruntime;
    return m ?? 0;
  }
}
