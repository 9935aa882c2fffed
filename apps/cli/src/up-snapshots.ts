import { writeSnapshot, type MachineSnapshot } from '@vm/machine';
import type { StackSnapshotPoint } from './stack-file.js';

/** One VM of a stack with `snapshot: { at, file }`, as the up loops see it. */
export interface SnapshotTarget {
  readonly name: string;
  readonly point: StackSnapshotPoint;
  /** Guest instructions the VM has run in this stack (since its boot or restore). */
  readonly ran: () => number;
  /** False once the VM has stopped: its snapshot can no longer be taken. */
  readonly live: () => boolean;
  readonly take: () => MachineSnapshot;
}

/**
 * The pending `snapshot:` points of a stack. The loop asks `nextBudget` how far it may run (the
 * native hypervisor stops exactly at the point; the hosted host OS's slices only approximately)
 * and calls `afterRun` between runs, where each VM past its point is snapshotted once.
 */
export class SnapshotPoints {
  private pending: SnapshotTarget[];
  private failures = 0;

  constructor(
    targets: readonly SnapshotTarget[],
    /** The smallest run worth making (1 for the native hypervisor's exact budgets). */
    private readonly floor: number,
    private readonly log: (line: string) => void = (line) => void process.stderr.write(line + '\n'),
  ) {
    this.pending = targets.slice();
  }

  get active(): boolean {
    return this.pending.length > 0;
  }

  nextBudget = (): number => {
    let budget = Infinity;
    for (const t of this.pending) if (t.live()) budget = Math.min(budget, Math.max(this.floor, t.point.at - t.ran()));
    return budget;
  };

  afterRun = (): void => {
    this.pending = this.pending.filter((t) => {
      if (!t.live() || t.ran() < t.point.at) return true;
      const at = t.ran();
      try {
        const bytes = writeSnapshot(t.point.file, t.take());
        this.log(`[${t.name}] snapshot at ${at} → ${t.point.file} (${bytes} bytes)`);
      } catch (e) {
        this.failures++;
        this.log(`[${t.name}] snapshot at ${at} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      return false;
    });
  };

  /** Report the points never reached; true when every snapshot was written. */
  finish(): boolean {
    for (const t of this.pending) {
      this.failures++;
      this.log(`[${t.name}] snapshot at ${t.point.at} not taken: the VM ${t.live() ? 'was still short of it' : 'stopped'} after ${t.ran()} instructions`);
    }
    this.pending = [];
    return this.failures === 0;
  }
}
