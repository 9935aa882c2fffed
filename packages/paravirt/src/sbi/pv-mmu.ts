import type { GuestMemory } from '@vm/core';
import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_SUCCESS, type SbiRet } from './sbi-error.js';
import { arg, argNumber, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_VMPV, FID_VMPV_MMU_UPDATE, FID_VMPV_PT_REGISTER, FID_VMPV_PT_RELEASE, FID_VMPV_TLB_FLUSH } from './sbi-ids.js';
import { PvPageTables, type PvMmuBackend } from './pv-page-tables.js';

/** mmu_update batch entry: { u64 ptr; u64 val; } — the command is in ptr's low 3 bits (as Xen's). */
export const PV_ENTRY_SIZE = 16;
/** At most this many entries per call (bounded work per exit). */
export const PV_MAX_BATCH = 1024;
/** ptr[2:0] commands (guests/include/vm_hypercall.h). */
export const PV_CMD_PT_UPDATE = 0;
export const PV_CMD_PT_REGISTER = 1;
export const PV_CMD_PT_RELEASE = 2;
export const PV_CMD_NEW_BASEPTR = 3;
export const PV_CMD_TLB_FLUSH = 4;

/** Paging levels pt_register accepts when a1 is 0: Sv39. */
const DEFAULT_LEVELS = 3;

/**
 * The paravirtual-MMU hypercalls (our firmware-specific extension, EID 0x0A564D50 "VMP"), in the
 * manner of Xen's mmu_update: the guest hands the hypervisor its page-table writes in batches, the
 * hypervisor validates and applies them and keeps its own translations (shadow tables) exactly in
 * step, so the guest needs no trapping SFENCE.VMA and the hypervisor never flushes blindly.
 *
 *   FID 0 pt_register(root_gpa, levels)      a table page becomes the root of a tree
 *   FID 1 pt_release(table_gpa)              a table page stops being one (before it is freed)
 *   FID 2 mmu_update(batch_gpa, count)       apply `count` {ptr, val} entries; value = entries done
 *   FID 3 tlb_flush(va, asid, all)           flush translations (all != 0: every address)
 *
 * Every address is guest-physical, inside guest RAM, 8-byte aligned (4 KiB for tables), else
 * SBI_ERR_INVALID_ADDRESS; an unknown command or a count above PV_MAX_BATCH SBI_ERR_INVALID_PARAM.
 */
export class PvMmuExtension implements SbiExtension {
  readonly name = 'vmpv';
  readonly eids = [EID_VMPV];
  readonly tables: PvPageTables;

  constructor(private readonly memory: GuestMemory, private readonly backend: PvMmuBackend, private readonly enabled: () => boolean = () => true) {
    this.tables = new PvPageTables(memory, backend);
  }

  probe(): bigint {
    return this.enabled() ? 1n : 0n;
  }

  call(c: SbiCall): SbiRet {
    if (!this.enabled()) return NOT_SUPPORTED;
    switch (c.fid) {
      case FID_VMPV_PT_REGISTER:
        return this.register(arg(c, 0), argNumber(c, 1));
      case FID_VMPV_PT_RELEASE:
        return this.release(arg(c, 0));
      case FID_VMPV_MMU_UPDATE:
        return this.mmuUpdate(arg(c, 0), arg(c, 1));
      case FID_VMPV_TLB_FLUSH:
        this.backend.flushTlb(arg(c, 2) !== 0n ? undefined : arg(c, 0), arg(c, 2) !== 0n ? undefined : arg(c, 1));
        return ok();
      default:
        return NOT_SUPPORTED;
    }
  }

  private register(root: bigint, levels: number): SbiRet {
    if (!this.isTable(root)) return fail(SBI_ERR_INVALID_ADDRESS);
    return this.tables.register(Number(root), levels === 0 ? DEFAULT_LEVELS : levels) ? ok() : fail(SBI_ERR_INVALID_PARAM);
  }

  private release(table: bigint): SbiRet {
    if (!this.isTable(table)) return fail(SBI_ERR_INVALID_ADDRESS);
    this.tables.release(Number(table));
    return ok();
  }

  private mmuUpdate(batch: bigint, count: bigint): SbiRet {
    if (count > BigInt(PV_MAX_BATCH)) return fail(SBI_ERR_INVALID_PARAM);
    const n = Number(count);
    if (batch % 8n !== 0n || batch > BigInt(Number.MAX_SAFE_INTEGER) || !this.memory.contains(Number(batch), n * PV_ENTRY_SIZE)) {
      return fail(SBI_ERR_INVALID_ADDRESS);
    }
    const base = Number(batch);
    for (let i = 0; i < n; i++) {
      const ptr = this.memory.read64(base + i * PV_ENTRY_SIZE);
      const val = this.memory.read64(base + i * PV_ENTRY_SIZE + 8);
      const cmd = Number(ptr & 7n);
      const addr = ptr & ~7n;
      let error = SBI_SUCCESS;
      switch (cmd) {
        case PV_CMD_PT_UPDATE:
          if (!this.isRam(addr, 8)) error = SBI_ERR_INVALID_ADDRESS;
          else this.tables.update(Number(addr), val);
          break;
        case PV_CMD_PT_REGISTER:
          error = this.register(addr, Number(val & 7n)).error;
          break;
        case PV_CMD_PT_RELEASE:
          error = this.release(addr).error;
          break;
        case PV_CMD_NEW_BASEPTR:
          if (this.backend.setSatp === undefined) error = SBI_ERR_INVALID_PARAM;
          else this.backend.setSatp(val);
          break;
        case PV_CMD_TLB_FLUSH:
          this.backend.flushTlb(val & 1n ? undefined : addr, undefined);
          break;
        default:
          error = SBI_ERR_INVALID_PARAM;
      }
      // Like Xen's success_count: entries before the bad one stay applied, value says how many.
      if (error !== SBI_SUCCESS) return { error, value: BigInt(i) };
    }
    return ok(n);
  }

  private isRam(addr: bigint, n: number): boolean {
    return addr <= BigInt(Number.MAX_SAFE_INTEGER) && this.memory.contains(Number(addr), n);
  }

  private isTable(addr: bigint): boolean {
    return addr % 4096n === 0n && this.isRam(addr, 4096);
  }
}
