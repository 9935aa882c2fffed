import { COUNT_ZERO } from '@vm/core';
import type { EventCounts } from '@vm/core';
import type { ExitReason, GuestExit } from './exit-reason.js';

/** How many exits each VM remembers for its stop report. */
export const EXIT_HISTORY = 16;

/** `exit.<reason>`, the counter of each reason, made once. */
const EXIT_KEYS: Partial<Record<ExitReason, string>> = {};

/**
 * Accounting of one VM: guest instructions (run on the real hart + emulated on the virtual hart),
 * exits by reason and hypervisor events, with the names of @vm/core's `EventCounts`.
 */
export class VmStats {
  /** Instructions the real hart retired for this guest. */
  direct = COUNT_ZERO;
  /** Instructions emulated on the virtual hart (trapped CSR accesses, xRET, MMIO, ...). */
  emulated = COUNT_ZERO;
  /** Exits of every reason. */
  exitCount = 0;
  /**
   * Steps of the real hart that retired no instruction and left no exit: traps taken inside the
   * guest (delegated to its S/VS-mode, priv spec 3.1.8 medeleg, H 8.2.2 hedeleg). A guest whose
   * trap handler faults again spins here without one exit; the loops bound these steps too.
   */
  trapSteps = 0;
  private readonly counts = new Map<string, number>();
  /** The last EXIT_HISTORY exits, a ring: `next` is where the next one goes. */
  private readonly history: (GuestExit | undefined)[] = new Array<GuestExit | undefined>(EXIT_HISTORY).fill(undefined);
  private next = 0;

  get guestInstructions(): number {
    return this.direct + this.emulated;
  }

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  exit(e: GuestExit): void {
    // A VM exits hundreds of thousands of times a second: the counter's name is made once per
    // reason, and the history is a ring (a shift per exit moved the whole array).
    const key = (EXIT_KEYS[e.reason] ??= `exit.${e.reason}`);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.exitCount++;
    this.history[this.next] = e;
    this.next = (this.next + 1) % EXIT_HISTORY;
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  exits(reason: ExitReason): number {
    return this.get(`exit.${reason}`);
  }

  /** The last exits, oldest first. */
  lastExits(): readonly GuestExit[] {
    const out: GuestExit[] = [];
    for (let i = 0; i < EXIT_HISTORY; i++) {
      const e = this.history[(this.next + i) % EXIT_HISTORY];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  events(): EventCounts {
    const out: EventCounts = {};
    for (const [k, v] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) out[k] = v;
    return out;
  }
}
