// CONTRACT STUB — to be replaced by the real PMP (TOR, NA4, NAPOT, lock; priv spec 3.7).
import type { AccessType } from './access.js';

export class Pmp {
  /** Number of implemented entries (QEMU virt: 16). */
  readonly entries = 16;
  /** pmpcfgN for even N in 0..14 on RV64 (each holds 8 entries' config bytes). */
  readCfg(n: number): bigint {
    void n;
    return 0n;
  }
  writeCfg(n: number, value: bigint): void {
    void n;
    void value;
  }
  readAddr(i: number): bigint {
    void i;
    return 0n;
  }
  writeAddr(i: number, value: bigint): void {
    void i;
    void value;
  }
  /** True when an access of `width` bytes at pa is allowed at privilege `priv`. */
  check(pa: number, width: number, access: AccessType, priv: number): boolean {
    void pa;
    void width;
    void access;
    void priv;
    return true;
  }
}
