import { FAILURES, type GuestResult, type Mode } from './guest-runners.js';
import type { Format, MutationResult } from './mutation-fuzz.js';

/** Totals of a fuzzing run, per stack/mode and per input format; mergeable across workers. */
export interface FuzzTotals {
  guests: Record<string, { guests: number; instructions: number; outcomes: Record<string, number>; seeds: [number, number] }>;
  mutations: Record<string, { cases: number; outcomes: Record<string, number> }>;
  /** Every failing case (capped), replayable from its mode/format and seed. */
  failures: (GuestResult | MutationResult)[];
  /** With --fingerprints: each guest's end, with its end-state SHA-256 (capped). */
  ends: GuestResult[];
}

export function emptyTotals(): FuzzTotals {
  return { guests: {}, mutations: {}, failures: [], ends: [] };
}

const MAX_FAILURES = 200;
/** Fingerprints kept: --fingerprints is for replays of a few seeds, not for campaigns. */
const MAX_ENDS = 10_000;

export function addGuest(t: FuzzTotals, r: GuestResult): void {
  const g = (t.guests[r.mode] ??= { guests: 0, instructions: 0, outcomes: {}, seeds: [r.seed, r.seed] });
  g.guests++;
  g.instructions += r.instructions;
  g.outcomes[r.outcome] = (g.outcomes[r.outcome] ?? 0) + 1;
  g.seeds = [Math.min(g.seeds[0], r.seed), Math.max(g.seeds[1], r.seed)];
  if (FAILURES.includes(r.outcome) && t.failures.length < MAX_FAILURES) t.failures.push(r);
  if (r.fingerprint !== undefined && t.ends.length < MAX_ENDS) t.ends.push(r);
}

export function addMutation(t: FuzzTotals, r: MutationResult): void {
  const m = (t.mutations[r.format] ??= { cases: 0, outcomes: {} });
  m.cases++;
  m.outcomes[r.outcome] = (m.outcomes[r.outcome] ?? 0) + 1;
  if (r.outcome === 'uncaught' && t.failures.length < MAX_FAILURES) t.failures.push(r);
}

export function merge(into: FuzzTotals, from: FuzzTotals): void {
  for (const [mode, g] of Object.entries(from.guests)) {
    const a = (into.guests[mode] ??= { guests: 0, instructions: 0, outcomes: {}, seeds: g.seeds });
    a.guests += g.guests;
    a.instructions += g.instructions;
    for (const [k, n] of Object.entries(g.outcomes)) a.outcomes[k] = (a.outcomes[k] ?? 0) + n;
    a.seeds = [Math.min(a.seeds[0], g.seeds[0]), Math.max(a.seeds[1], g.seeds[1])];
  }
  for (const [format, m] of Object.entries(from.mutations)) {
    const a = (into.mutations[format] ??= { cases: 0, outcomes: {} });
    a.cases += m.cases;
    for (const [k, n] of Object.entries(m.outcomes)) a.outcomes[k] = (a.outcomes[k] ?? 0) + n;
  }
  into.failures.push(...from.failures.slice(0, MAX_FAILURES - into.failures.length));
  into.ends.push(...from.ends.slice(0, MAX_ENDS - into.ends.length));
}

export interface RunInfo {
  readonly command: string;
  readonly budget: number;
  readonly jobs: number;
  readonly wallSeconds: number;
  /** Set when --time-limit stopped the run before every planned case ran. */
  readonly stoppedEarly: boolean;
  readonly planned: { guests: number; mutations: number };
}

export function guestFailures(t: FuzzTotals): Record<string, number> {
  const out: Record<string, number> = { 'host-exception': 0, hang: 0, escape: 0, neighbour: 0 };
  for (const g of Object.values(t.guests)) for (const f of FAILURES) out[f]! += g.outcomes[f] ?? 0;
  return out;
}

export function reportJson(t: FuzzTotals, info: RunInfo): string {
  const guests = Object.values(t.guests).reduce((n, g) => n + g.guests, 0);
  const cases = Object.values(t.mutations).reduce((n, m) => n + m.cases, 0);
  const uncaught = Object.values(t.mutations).reduce((n, m) => n + (m.outcomes.uncaught ?? 0), 0);
  return JSON.stringify({ ...info, guests, guestFailures: guestFailures(t), mutationCases: cases, uncaught, totals: t }, null, 2) + '\n';
}

export function reportMarkdown(t: FuzzTotals, info: RunInfo): string {
  const guests = Object.values(t.guests).reduce((n, g) => n + g.guests, 0);
  const f = guestFailures(t);
  const lines: string[] = [];
  lines.push(`Command: \`${info.command}\` — ${info.jobs} jobs, ${info.wallSeconds.toFixed(0)} s wall.`);
  if (info.stoppedEarly) lines.push('', `Stopped by --time-limit: ${guests} of ${info.planned.guests} planned guests and ${Object.values(t.mutations).reduce((n, m) => n + m.cases, 0)} of ${info.planned.mutations} planned mutation cases ran.`);
  if (guests > 0) {
    const outcomeKeys = [...new Set(Object.values(t.guests).flatMap((g) => Object.keys(g.outcomes)))].sort();
    lines.push('', `### Wild guests (budget ${info.budget} steps each: instructions and traps taken inside the guest; beside a healthy neighbour)`, '');
    lines.push(`| stack/mode | guests | seeds | instructions | ${outcomeKeys.join(' | ')} |`);
    lines.push(`|---|---:|---|---:|${outcomeKeys.map(() => '---:').join('|')}|`);
    for (const [mode, g] of Object.entries(t.guests) as [Mode, FuzzTotals['guests'][string]][]) {
      lines.push(`| ${mode} | ${g.guests} | ${g.seeds[0]}..${g.seeds[1]} | ${g.instructions} | ${outcomeKeys.map((k) => g.outcomes[k] ?? 0).join(' | ')} |`);
    }
    lines.push('', `Total ${guests} guests: host exceptions ${f['host-exception']}, hangs ${f.hang}, escapes ${f.escape}, neighbour failures ${f.neighbour}.`);
  }
  if (Object.keys(t.mutations).length > 0) {
    lines.push('', '### Mutated inputs through the entry points', '', '| format | cases | ok (accepted, ran) | clear error (status 2) | uncaught |', '|---|---:|---:|---:|---:|');
    for (const [format, m] of Object.entries(t.mutations) as [Format, FuzzTotals['mutations'][string]][]) {
      lines.push(`| ${format} | ${m.cases} | ${m.outcomes.ok ?? 0} | ${m.outcomes.clear ?? 0} | ${m.outcomes.uncaught ?? 0} |`);
    }
  }
  if (t.ends.length > 0) {
    lines.push('', '### End states (--fingerprints: SHA-256 of each wild guest\'s end state, as GuestResult.fingerprint defines it)', '', '| stack/mode | seed | outcome | instructions | end state |', '|---|---:|---|---:|---|');
    const ends = [...t.ends].sort((a, b) => a.mode.localeCompare(b.mode) || a.seed - b.seed);
    for (const r of ends) lines.push(`| ${r.mode} | ${r.seed} | ${r.outcome} | ${r.instructions} | \`${r.fingerprint ?? ''}\` |`);
  }
  if (t.failures.length > 0) {
    lines.push('', '### Failures (replay: the mode or format and the seed)', '');
    for (const x of t.failures.slice(0, 50)) lines.push(`- ${'mode' in x ? x.mode : x.format} seed ${x.seed}: ${x.outcome} — ${x.detail ?? ''}`);
  }
  return lines.join('\n') + '\n';
}
