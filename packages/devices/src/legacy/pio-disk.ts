import type { AccessWidth, IrqLine, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { SnapshotShapeError, checkSnapshotVersion } from './snapshot-version.js';

/*
 * "vm,pio-disk": this project's legacy, register-level disk, modelled on ATA PIO (ATA/ATAPI-6,
 * 9.5 "PIO data-in" and 9.6 "PIO data-out"): the guest moves every data word through one 32-bit
 * register, so each word is one trapped MMIO access. It exists to compare trap-per-word device
 * emulation with virtio's DMA rings. The register map and protocol are documented for guests in
 * guests/include/pio_disk.h; this model is the reference for that text.
 *
 * Board placement (not this file's concern): 0x1000_9000, window 0x1000, PLIC source 12,
 *   disk@10009000 { compatible = "vm,pio-disk"; reg = <0 0x10009000 0 0x1000>; interrupts = <12>; }
 *
 * Transfers are instantaneous: after a command the device is ready at once (DRQ for READ/WRITE,
 * DONE for FLUSH); a WRITE is DONE once the backend has flushed it (write-through); BUSY stays set until the transfer's last word, like a drive that has accepted a
 * command and is waiting on the host. Storage errors from the backend become STATUS.ERR, never
 * exceptions: a guest access must not throw (MmioDevice contract).
 */

const REG_MAGIC = 0x00;
const REG_CAPACITY_LO = 0x04;
const REG_CAPACITY_HI = 0x08;
const REG_LBA_LO = 0x0c;
const REG_LBA_HI = 0x10;
const REG_COUNT = 0x14;
const REG_COMMAND = 0x18;
const REG_STATUS = 0x1c;
const REG_DATA = 0x20;
const REG_IRQ_ENABLE = 0x24;
const REG_IRQ_ACK = 0x28;

/** "PIOD" read as a little-endian 32-bit word. */
export const PIO_DISK_MAGIC = 0x44494f50;
export const PIO_DISK_SECTOR_SIZE = 512;
const WORDS_PER_SECTOR = PIO_DISK_SECTOR_SIZE / 4;
const WINDOW_SIZE = 0x1000;

export const PIO_CMD_READ = 1;
export const PIO_CMD_WRITE = 2;
export const PIO_CMD_FLUSH = 3;

export const PIO_STATUS_BUSY = 1 << 0;
export const PIO_STATUS_DRQ = 1 << 1;
export const PIO_STATUS_ERR = 1 << 2;
export const PIO_STATUS_DONE = 1 << 3;

const TWO_32 = 0x1_0000_0000;

/** Storage behind the disk: the shape of @vm/devices' BlockBackend, minus close(). */
export interface PioDiskBackend {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, into: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
  flush(): void;
}

export interface PioDiskOptions {
  backend: PioDiskBackend;
  /** Interrupt output; on the vm virt board it goes to PLIC source 12. */
  irq: IrqLine;
}

type Transfer = 'none' | 'read' | 'write';

export interface PioDiskState extends VersionedState {
  readonly version: 1;
  readonly lbaLo: number;
  readonly lbaHi: number;
  readonly count: number;
  readonly status: number;
  readonly irqEnable: boolean;
  readonly irqPending: boolean;
  readonly transfer: Transfer;
  /** First sector of the running transfer (latched when the command was written). */
  readonly xferLba: number;
  readonly xferCount: number;
  /** Sectors completed in the running transfer, and 32-bit words moved in the current one. */
  readonly sectorsDone: number;
  readonly wordIndex: number;
  /** The sector being moved (copy). */
  readonly buffer: Uint8Array;
}

/** The legacy PIO disk. 32-bit registers only. */
export class PioDisk implements MmioDevice, Snapshottable<PioDiskState> {
  readonly size = WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [4];
  /** Guest mistakes: unknown offsets, DATA accesses without DRQ, bad commands (logged, not fatal). */
  guestErrors = 0;

  private readonly backend: PioDiskBackend;
  private readonly irq: IrqLine;
  /** Capacity in whole sectors; a trailing partial sector is not addressable. */
  readonly capacitySectors: number;

  private lbaLo = 0;
  private lbaHi = 0;
  private count = 0;
  private status = 0;
  private irqEnable = false;
  private irqPending = false;
  private transfer: Transfer = 'none';
  private xferLba = 0;
  private xferCount = 0;
  private sectorsDone = 0;
  private wordIndex = 0;
  private buffer = new Uint8Array(PIO_DISK_SECTOR_SIZE);
  private view = new DataView(this.buffer.buffer);
  private irqLevel = false;

  constructor(options: PioDiskOptions) {
    this.backend = options.backend;
    this.irq = options.irq;
    this.capacitySectors = Math.floor(options.backend.size / PIO_DISK_SECTOR_SIZE);
  }

  /** Device reset: registers cleared, any transfer dropped, interrupt line low. */
  reset(): void {
    this.lbaLo = 0;
    this.lbaHi = 0;
    this.count = 0;
    this.status = 0;
    this.irqEnable = false;
    this.irqPending = false;
    this.endTransfer();
    this.updateIrq(true);
  }

  read(offset: number, _width: AccessWidth): bigint {
    switch (offset) {
      case REG_MAGIC:
        return BigInt(PIO_DISK_MAGIC);
      case REG_CAPACITY_LO:
        return BigInt(this.capacitySectors % TWO_32);
      case REG_CAPACITY_HI:
        return BigInt(Math.floor(this.capacitySectors / TWO_32));
      case REG_LBA_LO:
        return BigInt(this.lbaLo);
      case REG_LBA_HI:
        return BigInt(this.lbaHi);
      case REG_COUNT:
        return BigInt(this.count);
      case REG_COMMAND:
        return 0n;
      case REG_STATUS:
        return BigInt(this.status);
      case REG_DATA:
        return BigInt(this.readData());
      case REG_IRQ_ENABLE:
        return this.irqEnable ? 1n : 0n;
      case REG_IRQ_ACK:
        return 0n;
      default:
        this.guestErrors++;
        return 0n;
    }
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    const v = Number(value & 0xffff_ffffn);
    switch (offset) {
      case REG_LBA_LO:
        this.lbaLo = v;
        return;
      case REG_LBA_HI:
        this.lbaHi = v;
        return;
      case REG_COUNT:
        this.count = v;
        return;
      case REG_COMMAND:
        this.command(v);
        return;
      case REG_DATA:
        this.writeData(v);
        return;
      case REG_IRQ_ENABLE:
        this.irqEnable = (v & 1) !== 0;
        this.updateIrq();
        return;
      case REG_IRQ_ACK:
        if (v & 1) {
          this.irqPending = false;
          this.updateIrq();
        }
        return;
      default:
        // MAGIC, CAPACITY and STATUS are read-only; other offsets are unimplemented.
        this.guestErrors++;
    }
  }

  private command(cmd: number): void {
    const wasBusy = (this.status & PIO_STATUS_BUSY) !== 0;
    this.status &= ~(PIO_STATUS_DONE | PIO_STATUS_ERR);
    if (wasBusy) {
      // A new command while one runs aborts the running one (ATA: a command written while BSY is
      // set is undefined; we make it a reported error).
      this.endTransfer();
      this.fail();
      return;
    }
    switch (cmd) {
      case PIO_CMD_READ:
      case PIO_CMD_WRITE: {
        const lba = this.lbaHi * TWO_32 + this.lbaLo;
        if (this.count === 0 || lba + this.count > this.capacitySectors) return this.fail();
        if (cmd === PIO_CMD_WRITE && this.backend.readOnly) return this.fail();
        this.transfer = cmd === PIO_CMD_READ ? 'read' : 'write';
        this.xferLba = lba;
        this.xferCount = this.count;
        this.sectorsDone = 0;
        this.wordIndex = 0;
        if (this.transfer === 'read' && !this.loadSector()) return;
        if (this.transfer === 'write') this.buffer.fill(0);
        this.status = PIO_STATUS_BUSY | PIO_STATUS_DRQ;
        return;
      }
      case PIO_CMD_FLUSH:
        try {
          this.backend.flush();
        } catch {
          return this.fail();
        }
        return this.complete();
      default:
        this.guestErrors++;
        return this.fail();
    }
  }

  private readData(): number {
    if (this.transfer !== 'read') {
      this.guestErrors++;
      return 0;
    }
    const word = this.view.getUint32(this.wordIndex * 4, true);
    if (++this.wordIndex === WORDS_PER_SECTOR) {
      this.wordIndex = 0;
      if (++this.sectorsDone === this.xferCount) this.complete();
      else this.loadSector();
    }
    return word;
  }

  private writeData(word: number): void {
    if (this.transfer !== 'write') {
      this.guestErrors++;
      return;
    }
    this.view.setUint32(this.wordIndex * 4, word, true);
    if (++this.wordIndex < WORDS_PER_SECTOR) return;
    this.wordIndex = 0;
    try {
      this.backend.write((this.xferLba + this.sectorsDone) * PIO_DISK_SECTOR_SIZE, this.buffer.slice());
    } catch {
      return this.fail();
    }
    if (++this.sectorsDone === this.xferCount) {
      // The device has no volatile write cache (guests never send FLUSH to it): a WRITE reports
      // DONE only once its sectors are on the backend's medium, as virtio-blk without
      // VIRTIO_BLK_F_FLUSH does. So a completed write survives the host process being killed.
      try {
        this.backend.flush();
      } catch {
        return this.fail();
      }
      this.complete();
    } else this.buffer.fill(0);
  }

  /** Fill the buffer with the transfer's next sector; on a backend error, fail the command. */
  private loadSector(): boolean {
    try {
      this.backend.read((this.xferLba + this.sectorsDone) * PIO_DISK_SECTOR_SIZE, this.buffer);
      return true;
    } catch {
      this.fail();
      return false;
    }
  }

  private complete(): void {
    this.endTransfer();
    this.status = PIO_STATUS_DONE;
    this.irqPending = true;
    this.updateIrq();
  }

  private fail(): void {
    this.endTransfer();
    this.status = PIO_STATUS_ERR;
    this.irqPending = true;
    this.updateIrq();
  }

  private endTransfer(): void {
    this.transfer = 'none';
    this.xferLba = 0;
    this.xferCount = 0;
    this.sectorsDone = 0;
    this.wordIndex = 0;
  }

  private updateIrq(force = false): void {
    const level = this.irqEnable && this.irqPending;
    if (level !== this.irqLevel || force) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  snapshot(): PioDiskState {
    return {
      version: 1,
      lbaLo: this.lbaLo,
      lbaHi: this.lbaHi,
      count: this.count,
      status: this.status,
      irqEnable: this.irqEnable,
      irqPending: this.irqPending,
      transfer: this.transfer,
      xferLba: this.xferLba,
      xferCount: this.xferCount,
      sectorsDone: this.sectorsDone,
      wordIndex: this.wordIndex,
      buffer: this.buffer.slice(),
    };
  }

  /** Restores registers and any transfer in progress; the backend's contents are not part of the state. */
  restore(state: PioDiskState): void {
    checkSnapshotVersion('pio-disk', state, [1]);
    if (!(state.buffer instanceof Uint8Array) || state.buffer.length !== PIO_DISK_SECTOR_SIZE) {
      throw new SnapshotShapeError('pio-disk', `sector buffer must be ${PIO_DISK_SECTOR_SIZE} bytes`);
    }
    if (state.transfer !== 'none' && state.transfer !== 'read' && state.transfer !== 'write') {
      throw new SnapshotShapeError('pio-disk', `unknown transfer kind ${String(state.transfer)}`);
    }
    if (state.transfer !== 'none' && state.xferLba + state.xferCount > this.capacitySectors) {
      throw new SnapshotShapeError('pio-disk', 'transfer lies beyond this disk');
    }
    this.lbaLo = state.lbaLo >>> 0;
    this.lbaHi = state.lbaHi >>> 0;
    this.count = state.count >>> 0;
    this.status = state.status & 0xf;
    this.irqEnable = state.irqEnable;
    this.irqPending = state.irqPending;
    this.transfer = state.transfer;
    this.xferLba = state.xferLba;
    this.xferCount = state.xferCount;
    this.sectorsDone = state.sectorsDone;
    this.wordIndex = state.wordIndex;
    this.buffer.set(state.buffer);
    this.updateIrq(true);
  }
}
