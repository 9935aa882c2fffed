import type { EventCounts } from '@vm/core';
import { priceOf, type CostCategory, type CostModel } from './cost-model.js';

export interface ModelledCycles {
  readonly total: number;
  readonly byCategory: Partial<Record<CostCategory, number>>;
  /** Counted events the model has no price for (informational counts such as `mmio.dev.*`). */
  readonly uncosted: readonly string[];
  /** World switches added because the stack counted exits but no `world-switch` events. */
  readonly impliedWorldSwitches: number;
}

/**
 * Modelled cycles = guest instructions × CPI + Σ count(event) × cost(event). Exits are VM → VMM →
 * VM round trips: a stack that counts `exit.*` but no `world-switch` gets one switch per exit, so
 * its exits are never priced as free transitions. Pure arithmetic on counts: deterministic.
 */
export function modelCycles(instructions: number, events: EventCounts, model: CostModel): ModelledCycles {
  const byCategory: Partial<Record<CostCategory, number>> = { instructions: instructions * model.cpi };
  const uncosted: string[] = [];
  const add = (c: CostCategory, n: number): void => {
    byCategory[c] = (byCategory[c] ?? 0) + n;
  };
  let exits = 0;
  for (const name of Object.keys(events).sort()) {
    const count = events[name] ?? 0;
    if (name.startsWith('exit.')) exits += count;
    const price = priceOf(model, name);
    if (price === undefined) {
      if (count !== 0) uncosted.push(name);
      continue;
    }
    add(price.category, count * price.cycles);
  }
  let impliedWorldSwitches = 0;
  if ((events['world-switch'] ?? 0) === 0 && exits > 0) {
    impliedWorldSwitches = exits;
    const ws = priceOf(model, 'world-switch');
    if (ws !== undefined) add(ws.category, exits * ws.cycles);
  }
  let total = 0;
  for (const v of Object.values(byCategory)) total += v ?? 0;
  return { total, byCategory, uncosted, impliedWorldSwitches };
}

/** Exits by reason (`exit.csr` → `csr`), from a stack's counts. */
export function exitsByReason(events: EventCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(events)) if (k.startsWith('exit.') && v > 0) out[k.slice(5)] = v;
  return out;
}

/**
 * Popek & Goldberg's efficiency: the share of guest instructions that ran without the hypervisor.
 * 1 − emulated / total when the stack counts `emulated` instructions; 1 when it never emulates.
 */
export function efficiency(instructions: number, events: EventCounts): number {
  const emulated = events['emulated'] ?? events['exit.emulated'] ?? 0;
  return instructions > 0 ? 1 - emulated / instructions : 1;
}
