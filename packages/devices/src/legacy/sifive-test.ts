import type { AccessWidth, MmioDevice, Snapshottable, VersionedState, VmExit } from '@vm/core';
import { checkSnapshotVersion } from './snapshot-version.js';

/*
 * SiFive test finisher ("sifive,test0" / "sifive,test1", QEMU hw/misc/sifive_test.c) at 0x10_0000
 * on the virt board; OpenSBI's and Linux's syscon-poweroff/-reboot write it to end the machine.
 * The register at offset 0 takes a 16-bit status in bits 15:0 and, for FAIL, an exit code in
 * bits 31:16.
 */

const REG_FINISHER = 0x0;
const FINISHER_FAIL = 0x3333;
const FINISHER_PASS = 0x5555;
const FINISHER_RESET = 0x7777;
const WINDOW_SIZE = 0x1000;

export interface SifiveTestOptions {
  /** Called with `poweroff` (PASS: code 0; FAIL: the code from bits 31:16) or `reset`. */
  onExit: (exit: VmExit) => void;
}

export interface SifiveTestState extends VersionedState {
  readonly version: 1;
}

/** The test finisher: stateless, reads return 0. */
export class SifiveTest implements MmioDevice, Snapshottable<SifiveTestState> {
  readonly size = WINDOW_SIZE;
  /**
   * QEMU's finisher takes 2- and 4-byte writes; OpenSBI 1.1's driver writes the status with a
   * 16-bit store (writew), so a 4-byte-only device would fault its SRST shutdown.
   */
  readonly accessWidths: readonly AccessWidth[] = [2, 4];
  /** Writes that did nothing (other offsets, unknown status values) — QEMU logs them as guest errors. */
  guestErrors = 0;

  private readonly onExit: (exit: VmExit) => void;

  constructor(options: SifiveTestOptions) {
    this.onExit = options.onExit;
  }

  read(_offset: number, _width: AccessWidth): bigint {
    return 0n;
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    if (offset === REG_FINISHER) {
      const status = Number(value & 0xffffn);
      const code = Number((value >> 16n) & 0xffffn);
      switch (status) {
        case FINISHER_PASS:
          this.onExit({ reason: 'poweroff', code: 0 });
          return;
        case FINISHER_FAIL:
          this.onExit({ reason: 'poweroff', code });
          return;
        case FINISHER_RESET:
          this.onExit({ reason: 'reset' });
          return;
      }
    }
    this.guestErrors++;
  }

  snapshot(): SifiveTestState {
    return { version: 1 };
  }

  restore(state: SifiveTestState): void {
    checkSnapshotVersion('sifive_test', state, [1]);
  }
}
