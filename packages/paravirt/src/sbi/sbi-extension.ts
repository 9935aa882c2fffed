import type { SbiRet } from './sbi-error.js';

/** The registers of one SBI call (SBI spec 3.1): a7 EID, a6 FID, a0–a5 arguments. */
export interface SbiCall {
  readonly eid: number;
  readonly fid: number;
  /** a0–a5, as unsigned 64-bit values. */
  readonly args: readonly bigint[];
}

/** One SBI extension: a set of functions under one EID (or several, for the legacy ones). */
export interface SbiExtension {
  /** Short name for accounting (`sbi.<name>`), e.g. 'base', 'time'. */
  readonly name: string;
  readonly eids: readonly number[];
  /** sbi_probe_extension's value for an EID of this extension (1: available; SBI spec 4.4). */
  probe(eid: number): bigint;
  call(call: SbiCall): SbiRet;
}

/** a0–a5 argument `i` as a signed/unsigned helper. */
export const arg = (call: SbiCall, i: number): bigint => call.args[i] ?? 0n;
export const argNumber = (call: SbiCall, i: number): number => Number(BigInt.asUintN(53, arg(call, i)));
