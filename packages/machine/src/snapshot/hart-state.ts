import { HART_BASE_FIELDS, HART_HEXT_FIELDS, resetHartState } from '@vm/isa';
import type { Hart, HartBaseField, HartHextField, HartState, HartStateField } from '@vm/isa';

/**
 * The one place where a hart's state (`Hart.getState()`, @vm/isa's HartState) becomes the two
 * parts a snapshot stores, and back — by the field lists @vm/isa exports, so a field added there
 * travels without code here. The stored shape is the one snapshots have always had (old `.vmsnap`
 * files still load): `hart` holds the fields every hart has (version 1), `hext` the hypervisor
 * extension's (priv spec 8.2, 8.4), null for a hart without it.
 */
export type HartBaseState = { readonly version: 1; readonly sstcPending?: boolean } & Pick<HartState, HartBaseField>;

/** The H part. */
export type HartHextState = { readonly version: 1; readonly vstcPending: boolean } & Pick<HartState, HartHextField>;

function pick<K extends HartStateField>(s: HartState, fields: readonly K[]): Pick<HartState, K> {
  const out: Partial<Record<K, unknown>> = {};
  for (const k of fields) out[k] = s[k];
  return out as Pick<HartState, K>;
}

/**
 * A hart's state as a snapshot stores it. `sstcPending` and `vstcPending` are Sstc's STIP and VSTIP
 * as the hart last evaluated them (Hart.updateSstc): a checkpoint may fall inside a hart's turn,
 * where the board re-evaluates them only at the next turn (VirtMachine.run), so they travel as
 * they are (restoreTimerPending) rather than being recomputed from the clock. Older snapshots
 * without `sstcPending` recompute STIP.
 */
export function captureHart(h: Hart): { hart: HartBaseState; hext: HartHextState | null } {
  const s = h.getState();
  return {
    hart: { version: 1, ...pick(s, HART_BASE_FIELDS), sstcPending: h.sstcPending },
    hext: h.hExtension ? { version: 1, ...pick(s, HART_HEXT_FIELDS), vstcPending: h.vstcPending } : null,
  };
}

/** After Hart.setState (which re-evaluates them from the clock): Sstc's pending bits as captured. */
export function restoreTimerPending(h: Hart, hart: HartBaseState, hext: HartHextState | null): void {
  if (hart.sstcPending !== undefined) h.setTimerPending(hart.sstcPending, hext?.vstcPending ?? false);
}

/** The HartState a snapshot's two parts describe (a hart without H: the H fields as at reset). */
export function hartStateOf(hart: HartBaseState, hext: HartHextState | null): HartState {
  const s: Record<string, unknown> = { ...resetHartState(0n) };
  for (const k of HART_BASE_FIELDS) s[k] = hart[k];
  if (hext !== null) for (const k of HART_HEXT_FIELDS) s[k] = hext[k];
  return s as unknown as HartState;
}
