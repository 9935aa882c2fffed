import { BaseExtension } from './base.js';
import { DbcnExtension } from './dbcn.js';
import { HsmExtension } from './hsm.js';
import { IpiExtension } from './ipi.js';
import { LegacyExtension } from './legacy.js';
import { PvMmuExtension } from './pv-mmu.js';
import type { PvMmuBackend } from './pv-page-tables.js';
import { RfenceExtension } from './rfence.js';
import { NOT_SUPPORTED, type SbiRet } from './sbi-error.js';
import type { SbiCall, SbiExtension } from './sbi-extension.js';
import type { SbiPlatform } from './sbi-platform.js';
import { SrstExtension } from './srst.js';
import { TimeExtension } from './time.js';

/** Register access for one call: the guest's integer registers x10–x17 (a0–a7). */
export interface SbiRegisters {
  read(x: number): bigint;
  write(x: number, value: bigint): void;
}

export interface SbiServerOptions {
  /** Harts of the VM (default 1). */
  readonly harts?: number;
  /** Retentive HSM suspend: make the hart wait for an interrupt. */
  readonly waitForInterrupt?: () => void;
  /** Offer the paravirtual-MMU hypercalls with this back end (omitted: not offered). */
  readonly pvMmu?: PvMmuBackend;
}

/** What one handled call was, for accounting (`sbi.<extension>`). */
export interface SbiOutcome {
  /** Extension name ('base', 'time', ..., 'legacy', 'vmpv'), or 'unknown'. */
  readonly extension: string;
  readonly ret: SbiRet;
}

const A0 = 10;
const A1 = 11;
const A6 = 16;
const A7 = 17;
const LEGACY_LAST = 0x0f;

/**
 * SBI v2.0 as a hypervisor's firmware for one VM (SBI spec 2.0): the BASE, TIME, IPI, RFENCE, HSM,
 * SRST and DBCN extensions, the legacy v0.1 calls, and optionally the paravirtual-MMU
 * hypercalls. A hypervisor calls `handle` for an ECALL from the guest's (virtual) S-mode; the
 * server reads a0–a7, acts through the `SbiPlatform` and writes the result: a0 = error and
 * a1 = value (SBI spec 3.1), or a0 alone for the legacy calls (SBI spec 5). Unknown EIDs and FIDs
 * are SBI_ERR_NOT_SUPPORTED.
 */
export class SbiServer {
  readonly pvMmu: PvMmuExtension | undefined;
  private readonly byEid = new Map<number, SbiExtension>();
  private readonly counts = new Map<string, number>();

  constructor(readonly platform: SbiPlatform, options: SbiServerOptions = {}) {
    const harts = options.harts ?? 1;
    this.pvMmu = options.pvMmu === undefined ? undefined : new PvMmuExtension(platform.memory, options.pvMmu);
    const exts: SbiExtension[] = [
      new BaseExtension(platform, (eid) => this.probe(eid)),
      new TimeExtension(platform),
      new IpiExtension(platform, harts),
      new RfenceExtension(platform, harts),
      new HsmExtension(platform, harts, options.waitForInterrupt),
      new SrstExtension(platform),
      new DbcnExtension(platform),
      new LegacyExtension(platform),
    ];
    if (this.pvMmu !== undefined) exts.push(this.pvMmu);
    for (const e of exts) for (const eid of e.eids) this.byEid.set(eid, e);
  }

  /** sbi_probe_extension (SBI spec 4.4): the extension's probe value, 0 when absent. */
  probe(eid: bigint): bigint {
    if (eid < 0n || eid > 0xffff_ffffn) return 0n;
    return this.byEid.get(Number(eid))?.probe(Number(eid)) ?? 0n;
  }

  /** Dispatch one call given as values (for tests and for callers that hold the registers). */
  call(c: SbiCall): SbiOutcome {
    const ext = this.byEid.get(c.eid);
    const ret = ext === undefined ? NOT_SUPPORTED : ext.call(c);
    const name = ext?.name ?? 'unknown';
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    return { extension: name, ret };
  }

  /** Handle the ECALL whose registers are `regs`: read a0–a7, write the result back. */
  handle(regs: SbiRegisters): SbiOutcome {
    const eid = Number(BigInt.asUintN(32, regs.read(A7)));
    const fid = Number(BigInt.asUintN(32, regs.read(A6)));
    const args = [0, 1, 2, 3, 4, 5].map((i) => regs.read(A0 + i));
    const out = this.call({ eid, fid, args });
    if (eid <= LEGACY_LAST) {
      // Legacy calls return one value in a0 (SBI spec 5): the result, or the error if unknown.
      regs.write(A0, BigInt.asUintN(64, out.ret.error !== 0 ? BigInt(out.ret.error) : out.ret.value));
    } else {
      regs.write(A0, BigInt.asUintN(64, BigInt(out.ret.error)));
      regs.write(A1, BigInt.asUintN(64, out.ret.value));
    }
    return out;
  }

  /** Calls handled so far, by extension name. */
  counters(): ReadonlyMap<string, number> {
    return this.counts;
  }
}
