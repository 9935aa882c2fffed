import type { EventCounts } from '@vm/core';
import type { CostModel } from './cost-model.js';
import type { GuestBoot } from './guest-spec.js';
import type { ModelledCycles } from './modelled-cycles.js';
import type { Spread } from './statistics.js';
import type { UnavailableStack } from './bench-stacks.js';
import type { BenchSize, Workload, WorkloadName } from './workloads.js';

/** Overhead of one pair against one bare baseline, wall-clock and modelled side by side. */
export interface Overhead {
  readonly baseline: string;
  /** median seconds ÷ baseline's median seconds − 1. */
  readonly wall: number;
  /**
   * The run-to-run noise `wall` is to be read against: both sides' (max − min) ÷ median, added;
   * null with a single run on either side (no spread measured).
   */
  readonly wallNoise: number | null;
  /** |wall| ≤ wallNoise: no wall-clock difference can be claimed. Null when wallNoise is. */
  readonly wallWithinNoise: boolean | null;
  /** modelled cycles ÷ baseline's modelled cycles − 1; null when the stack reports no counts. */
  readonly modelled: number | null;
}

/** Everything measured for one (workload, stack) pair over its repetitions. */
export interface PairResult {
  readonly stack: string;
  readonly workload: WorkloadName;
  readonly runs: number;
  /** The guest printed DONE pass and every RESULT line ended in ok. */
  readonly passed: boolean;
  readonly error?: string;
  /** How the last run ended, e.g. `poweroff 0`. */
  readonly exit: string;
  readonly results: readonly string[];
  /** Compared with bare-m's RESULT lines (null: no bare-m run to compare with). */
  readonly resultsMatchBare: boolean | null;
  readonly wallSeconds: Spread;
  /** null for stacks that report no counts (qemu). */
  readonly guestInstructions: number | null;
  /** Emulated MIPS: guest instructions ÷ median seconds ÷ 10⁶. */
  readonly mips: number | null;
  readonly events: EventCounts;
  readonly exitsByReason: Readonly<Record<string, number>>;
  readonly worldSwitches: number;
  readonly hostSyscalls: number;
  readonly modelled: ModelledCycles | null;
  /** Popek & Goldberg efficiency (share of instructions run without the hypervisor). */
  readonly efficiency: number | null;
  readonly overheads: readonly Overhead[];
  /** Counts and instructions identical over the repetitions (always expected). */
  readonly deterministic: boolean;
}

export interface StackInfo {
  readonly name: string;
  readonly boot: GuestBoot;
  readonly baselines: readonly string[];
  readonly counts: boolean;
  readonly note: string;
}

export interface ConsolidationPoint {
  readonly vms: number;
  readonly wallSeconds: number;
  readonly aggregateMips: number;
  /** Aggregate throughput ÷ the 1-VM throughput. */
  readonly speedup: number;
  readonly perVmMips: readonly number[];
  readonly jainIndex: number;
  /** Aggregate MIPS while every VM ran warm (consolidation.ts steadyMips), and ÷ the 1-VM figure. */
  readonly steadyMips?: number;
  readonly steadySpeedup?: number;
}

export type Consolidation = { readonly stack: string; readonly workload: 'cpu'; readonly points: readonly ConsolidationPoint[] } | { readonly skipped: string };

export interface BenchReport {
  readonly version: 1;
  readonly date: string;
  readonly host: { readonly node: string; readonly platform: string; readonly cpus: number; readonly cpu: string };
  readonly size: BenchSize;
  readonly repetitions: number;
  readonly costModel: CostModel;
  readonly stacks: readonly StackInfo[];
  readonly unavailable: readonly UnavailableStack[];
  /** Pairs not run because the stack lacks the workload's disk bus (`hosted-accel/pio: ...`). */
  readonly notOffered: readonly string[];
  readonly workloads: readonly Workload[];
  readonly pairs: readonly PairResult[];
  readonly consolidation: Consolidation;
  /** Problems worth shouting about: RESULT mismatches, failed guests, nondeterminism. */
  readonly problems: readonly string[];
  readonly totalSeconds: number;
}
