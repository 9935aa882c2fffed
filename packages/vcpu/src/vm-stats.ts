import type { EventCounts } from '@vm/core';
import type { ExitReason, GuestExit } from './exit-reason.js';

/** How many exits each VM remembers for its stop report. */
export const EXIT_HISTORY = 16;

/**
 * Accounting of one VM: guest instructions (run on the real hart + emulated on the virtual hart),
 * exits by reason and hypervisor events, with the names of @vm/core's `EventCounts`.
 */
export class VmStats {
  /** Instructions the real hart retired for this guest. */
  direct = 0;
  /** Instructions emulated on the virtual hart (trapped CSR accesses, xRET, MMIO, ...). */
  emulated = 0;
  /** Exits of every reason. */
  exitCount = 0;
  /**
   * Steps of the real hart that retired no instruction and left no exit: traps taken inside the
   * guest (delegated to its S/VS-mode, priv spec 3.1.8 medeleg, H 8.2.2 hedeleg). A guest whose
   * trap handler faults again spins here without one exit; the loops bound these steps too.
   */
  trapSteps = 0;
  private readonly counts = new Map<string, number>();
  private readonly history: GuestExit[] = [];

  get guestInstructions(): number {
    return this.direct + this.emulated;
  }

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  exit(e: GuestExit): void {
    this.count(`exit.${e.reason}`);
    this.exitCount++;
    this.history.push(e);
    if (this.history.length > EXIT_HISTORY) this.history.shift();
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  exits(reason: ExitReason): number {
    return this.get(`exit.${reason}`);
  }

  /** The last exits, oldest first. */
  lastExits(): readonly GuestExit[] {
    return [...this.history];
  }

  events(): EventCounts {
    const out: EventCounts = {};
    for (const [k, v] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) out[k] = v;
    return out;
  }
}
