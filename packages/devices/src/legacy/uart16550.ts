import type { AccessWidth, IrqLine, MmioDevice, Snapshottable, VersionedState } from '@vm/core';
import { SnapshotShapeError, checkSnapshotVersion } from './snapshot-version.js';

/*
 * NS16550A UART as QEMU's `virt` board exposes it at 0x1000_0000: reg-shift 0, reg-io-width 1,
 * so the eight registers are consecutive bytes. References below are to the National/TI
 * "PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs" datasheet (section 8,
 * "Registers", Table II "Summary of Registers").
 *
 * Transmission is instantaneous: a byte written to THR is handed to `output` at once, so THR and
 * the transmitter shift register are always empty again when the guest next looks (LSR.THRE and
 * LSR.TEMT read 1), exactly as QEMU behaves with a non-blocking character backend.
 */

// Register offsets (Table II). DLAB is LCR bit 7.
const REG_RBR_THR_DLL = 0; // RBR (read) / THR (write) when DLAB=0; DLL when DLAB=1
const REG_IER_DLM = 1; // IER when DLAB=0; DLM when DLAB=1
const REG_IIR_FCR = 2; // IIR (read) / FCR (write)
const REG_LCR = 3;
const REG_MCR = 4;
const REG_LSR = 5;
const REG_MSR = 6;
const REG_SCR = 7;

// IER bits (8.5 "Interrupt Enable Register"). Bits 7:4 are always 0.
const IER_ERBFI = 0x01; // received data available (and character timeout)
const IER_ETBEI = 0x02; // transmitter holding register empty
const IER_ELSI = 0x04; // receiver line status
const IER_EDSSI = 0x08; // modem status
const IER_MASK = 0x0f;

// IIR values (8.4 "Interrupt Identification Register", Table IV), in priority order.
const IIR_NO_INT = 0x01;
const IIR_RLS = 0x06; // priority 1: receiver line status (OE/PE/FE/BI)
const IIR_RDA = 0x04; // priority 2: received data available (FIFO at trigger level)
const IIR_CTI = 0x0c; // priority 2: character timeout (FIFO mode only)
const IIR_THRE = 0x02; // priority 3: transmitter holding register empty
const IIR_MSI = 0x00; // priority 4: modem status
const IIR_FIFO_ENABLED = 0xc0; // bits 7:6 set when FCR0 = 1

// FCR bits (8.3 "FIFO Control Register").
const FCR_FIFO_ENABLE = 0x01;
const FCR_RX_RESET = 0x02;
const FCR_TX_RESET = 0x04;
const FCR_DMA_MODE = 0x08;
const FCR_TRIGGER_SHIFT = 6;
/** Bits of FCR the chip remembers (the reset bits self-clear). */
const FCR_STORED = FCR_FIFO_ENABLE | FCR_DMA_MODE | (3 << FCR_TRIGGER_SHIFT);
/** RX trigger levels selected by FCR bits 7:6 (Table III). */
const RX_TRIGGER_LEVELS = [1, 4, 8, 14] as const;

// LCR bits (8.1 "Line Control Register").
const LCR_DLAB = 0x80;

// MCR bits (8.7 "MODEM Control Register"). Bits 7:5 are always 0.
const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const MCR_MASK = 0x1f;

// LSR bits (8.6 "Line Status Register").
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

// MSR bits (8.8 "MODEM Status Register").
const MSR_DCTS = 0x01;
const MSR_DDSR = 0x02;
const MSR_TERI = 0x04;
const MSR_DDCD = 0x08;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** Modem inputs when not in loopback: QEMU reports CTS, DSR and DCD asserted for a non-tty backend. */
const MSR_INPUTS_DEFAULT = MSR_DCD | MSR_DSR | MSR_CTS;

/** Depth of the receiver FIFO (8.3). */
export const UART16550_FIFO_DEPTH = 16;
/** Size of the register window on the virt board (QEMU maps 0x100 bytes). */
const WINDOW_SIZE = 0x100;
/** Divisor latch after reset: 9600 baud from QEMU's 1.8432 MHz reference, as QEMU resets it. */
const DIVISOR_RESET = 0x0c;

export interface Uart16550Options {
  /** The interrupt output (INTR pin); on the virt board it goes to PLIC source 10. */
  irq: IrqLine;
  /** Receives each transmitted byte, in order (not called in loopback mode). */
  output: (byte: number) => void;
}

export interface Uart16550State extends VersionedState {
  readonly version: 1;
  readonly rxFifo: number[];
  readonly lastRx: number;
  readonly ier: number;
  readonly fcr: number;
  readonly lcr: number;
  readonly mcr: number;
  readonly scr: number;
  readonly divisor: number;
  readonly overrun: boolean;
  readonly thrInterruptPending: boolean;
  readonly msrInputs: number;
  readonly msrDeltas: number;
}

/**
 * NS16550A UART (one port, 1-byte registers). The interrupt is an injected IrqLine; the UART
 * knows nothing about the interrupt controller (rust-vmm vm-superio's `Trigger` shape).
 *
 * Host input goes through `receive()`, which accepts only what fits in the receiver (16 bytes with
 * the FIFO enabled, 1 byte without) and returns how many bytes it took; the host keeps the rest
 * and retries when `canReceive()` is true again (e.g. between instruction batches).
 */
export class Uart16550 implements MmioDevice, Snapshottable<Uart16550State> {
  readonly size = WINDOW_SIZE;
  readonly accessWidths: readonly AccessWidth[] = [1];
  /** Guest accesses to registers this model does not implement (read as 0 / ignored). */
  guestErrors = 0;

  private readonly irq: IrqLine;
  private readonly output: (byte: number) => void;

  private rxFifo: number[] = [];
  /** Last byte received: what RBR reads when the holding register is empty in non-FIFO mode. */
  private lastRx = 0;
  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  private scr = 0;
  private divisor = DIVISOR_RESET;
  private overrun = false;
  /** THRE interrupt source latch (8.4: cleared by reading IIR when it is the source, or writing THR). */
  private thrInterruptPending = false;
  /** MSR bits 7:4. */
  private msrInputs = MSR_INPUTS_DEFAULT;
  /** MSR bits 3:0, cleared by reading MSR. */
  private msrDeltas = 0;
  private irqLevel = false;

  constructor(options: Uart16550Options) {
    this.irq = options.irq;
    this.output = options.output;
  }

  /** Hardware reset (MR pin): registers to their datasheet / QEMU reset values, FIFOs emptied. */
  reset(): void {
    this.rxFifo = [];
    this.lastRx = 0;
    this.ier = 0;
    this.fcr = 0;
    this.lcr = 0;
    this.mcr = MCR_OUT2;
    this.scr = 0;
    this.divisor = DIVISOR_RESET;
    this.overrun = false;
    this.thrInterruptPending = false;
    this.msrInputs = MSR_INPUTS_DEFAULT;
    this.msrDeltas = 0;
    this.updateIrq(true);
  }

  /** Current baud-rate divisor (DLM:DLL). */
  get baudDivisor(): number {
    return this.divisor;
  }

  /** True while the FIFOs are enabled (FCR bit 0). */
  get fifoEnabled(): boolean {
    return (this.fcr & FCR_FIFO_ENABLE) !== 0;
  }

  /** True while MCR.LOOP is set: transmitted bytes come back to the receiver, host input waits. */
  get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  /** Bytes the receiver can take from the host right now (0 in loopback mode). */
  get rxFree(): number {
    return this.loopback ? 0 : this.rxCapacity() - this.rxFifo.length;
  }

  /** True when `receive` would accept at least one byte. */
  canReceive(): boolean {
    return this.rxFree > 0;
  }

  /**
   * Input from the host side of the serial line. Takes as many bytes as fit in the receiver
   * (none in loopback mode, where the serial input is disconnected — 8.7) and returns how many it
   * took; the caller keeps the remainder and offers it again later.
   */
  receive(bytes: Uint8Array | readonly number[]): number {
    const n = Math.min(bytes.length, this.rxFree);
    for (let i = 0; i < n; i++) this.rxFifo.push(bytes[i]! & 0xff);
    if (n > 0) {
      this.lastRx = this.rxFifo[this.rxFifo.length - 1]!;
      this.updateIrq();
    }
    return n;
  }

  read(offset: number, _width: AccessWidth): bigint {
    return BigInt(this.readReg(offset));
  }

  write(offset: number, _width: AccessWidth, value: bigint): void {
    this.writeReg(offset, Number(value & 0xffn));
  }

  private readReg(offset: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case REG_RBR_THR_DLL:
        return dlab ? this.divisor & 0xff : this.readRbr();
      case REG_IER_DLM:
        return dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case REG_IIR_FCR: {
        const iir = this.iir();
        // 8.4: reading IIR when THRE is the interrupt source clears that interrupt.
        if ((iir & 0x0f) === IIR_THRE) {
          this.thrInterruptPending = false;
          this.updateIrq();
        }
        return iir;
      }
      case REG_LCR:
        return this.lcr;
      case REG_MCR:
        return this.mcr;
      case REG_LSR: {
        const lsr = this.lsr();
        // 8.6: OE (and PE/FE/BI, never raised here) are cleared by reading LSR.
        if (this.overrun) {
          this.overrun = false;
          this.updateIrq();
        }
        return lsr;
      }
      case REG_MSR: {
        const msr = this.msrInputs | this.msrDeltas;
        // 8.8: the delta bits are reset when the CPU reads MSR.
        if (this.msrDeltas !== 0) {
          this.msrDeltas = 0;
          this.updateIrq();
        }
        return msr;
      }
      case REG_SCR:
        return this.scr;
      default:
        this.guestErrors++;
        return 0;
    }
  }

  private writeReg(offset: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case REG_RBR_THR_DLL:
        if (dlab) this.divisor = (this.divisor & 0xff00) | value;
        else this.transmit(value);
        return;
      case REG_IER_DLM:
        if (dlab) this.divisor = (this.divisor & 0x00ff) | (value << 8);
        else this.writeIer(value);
        return;
      case REG_IIR_FCR:
        this.writeFcr(value);
        return;
      case REG_LCR:
        this.lcr = value;
        return;
      case REG_MCR:
        this.mcr = value & MCR_MASK;
        this.setModemInputs(this.loopback ? loopbackInputs(this.mcr) : MSR_INPUTS_DEFAULT);
        return;
      case REG_SCR:
        this.scr = value;
        return;
      case REG_LSR: // 8.6: LSR is intended for read operations only; QEMU ignores writes.
      case REG_MSR: // MSR reflects the modem inputs; writes are ignored.
      default:
        this.guestErrors++;
        return;
    }
  }

  private readRbr(): number {
    if (this.rxFifo.length === 0) {
      // An empty FIFO reads 0; a disabled one keeps showing the last character (QEMU does the same).
      return this.fifoEnabled ? 0 : this.lastRx;
    }
    const byte = this.rxFifo.shift()!;
    this.updateIrq();
    return byte;
  }

  private transmit(byte: number): void {
    // Writing THR clears a pending THRE interrupt (8.4) ...
    this.thrInterruptPending = false;
    this.updateIrq();
    if (this.loopback) this.loopbackReceive(byte);
    else this.output(byte);
    // ... and since the byte leaves at once, THR is empty again: THRE interrupt re-armed.
    this.thrInterruptPending = true;
    this.updateIrq();
  }

  /** 8.7 loopback: the transmitter output is looped to the receiver input. */
  private loopbackReceive(byte: number): void {
    if (this.rxFifo.length < this.rxCapacity()) {
      this.rxFifo.push(byte);
    } else {
      // 8.6 OE: in FIFO mode the new character is lost; otherwise it overwrites the holding register.
      this.overrun = true;
      if (!this.fifoEnabled) this.rxFifo[0] = byte;
    }
    this.lastRx = byte;
  }

  private writeIer(value: number): void {
    const old = this.ier;
    this.ier = value & IER_MASK;
    const changed = old ^ this.ier;
    if (changed & IER_ETBEI) {
      // Enabling ETBEI while THR is empty raises the THRE interrupt at once; disabling drops it.
      // (QEMU and real 16550s behave so; drivers rely on it to kick transmission.)
      this.thrInterruptPending = (this.ier & IER_ETBEI) !== 0;
    }
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    let v = value;
    // 8.3 FCR0: changing the FIFO enable bit clears both FIFOs.
    if ((v ^ this.fcr) & FCR_FIFO_ENABLE) v |= FCR_RX_RESET | FCR_TX_RESET;
    if (v & FCR_RX_RESET) {
      this.rxFifo = [];
      this.overrun = false;
    }
    if (v & FCR_TX_RESET) {
      // The transmit FIFO is always empty here; resetting it leaves THR empty (THRE interrupt armed).
      this.thrInterruptPending = true;
    }
    this.fcr = v & FCR_STORED;
    this.updateIrq();
  }

  private setModemInputs(inputs: number): void {
    const changed = this.msrInputs ^ inputs;
    let deltas = 0;
    if (changed & MSR_CTS) deltas |= MSR_DCTS;
    if (changed & MSR_DSR) deltas |= MSR_DDSR;
    if (changed & MSR_RI && !(inputs & MSR_RI)) deltas |= MSR_TERI; // trailing edge only
    if (changed & MSR_DCD) deltas |= MSR_DDCD;
    this.msrInputs = inputs;
    this.msrDeltas |= deltas;
    this.updateIrq();
  }

  private rxCapacity(): number {
    return this.fifoEnabled ? UART16550_FIFO_DEPTH : 1;
  }

  private rxTriggerLevel(): number {
    return RX_TRIGGER_LEVELS[(this.fcr >> FCR_TRIGGER_SHIFT) & 3]!;
  }

  private lsr(): number {
    let lsr = LSR_THRE | LSR_TEMT;
    if (this.rxFifo.length > 0) lsr |= LSR_DR;
    if (this.overrun) lsr |= LSR_OE;
    return lsr;
  }

  /** The interrupt identification, highest priority first (Table IV). */
  private iir(): number {
    const fifoBits = this.fifoEnabled ? IIR_FIFO_ENABLED : 0;
    const ier = this.ier;
    const count = this.rxFifo.length;
    if (ier & IER_ELSI && this.overrun) return IIR_RLS | fifoBits;
    if (ier & IER_ERBFI && count > 0) {
      if (!this.fifoEnabled || count >= this.rxTriggerLevel()) return IIR_RDA | fifoBits;
      // Below the trigger level the character timeout fires once no character has arrived for
      // four character times. Delivery is instantaneous here, so that is "as soon as data waits".
      return IIR_CTI | fifoBits;
    }
    if (ier & IER_ETBEI && this.thrInterruptPending) return IIR_THRE | fifoBits;
    if (ier & IER_EDSSI && this.msrDeltas !== 0) return IIR_MSI | fifoBits;
    return IIR_NO_INT | fifoBits;
  }

  private updateIrq(force = false): void {
    const level = (this.iir() & IIR_NO_INT) === 0;
    if (level !== this.irqLevel || force) {
      this.irqLevel = level;
      this.irq.set(level);
    }
  }

  snapshot(): Uart16550State {
    return {
      version: 1,
      rxFifo: [...this.rxFifo],
      lastRx: this.lastRx,
      ier: this.ier,
      fcr: this.fcr,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      divisor: this.divisor,
      overrun: this.overrun,
      thrInterruptPending: this.thrInterruptPending,
      msrInputs: this.msrInputs,
      msrDeltas: this.msrDeltas,
    };
  }

  restore(state: Uart16550State): void {
    checkSnapshotVersion('uart16550', state, [1]);
    const capacity = state.fcr & FCR_FIFO_ENABLE ? UART16550_FIFO_DEPTH : 1;
    if (!Array.isArray(state.rxFifo) || state.rxFifo.length > capacity) {
      throw new SnapshotShapeError('uart16550', `rxFifo must be an array of at most ${capacity} bytes`);
    }
    this.rxFifo = state.rxFifo.map((b) => b & 0xff);
    this.lastRx = state.lastRx & 0xff;
    this.ier = state.ier & IER_MASK;
    this.fcr = state.fcr & FCR_STORED;
    this.lcr = state.lcr & 0xff;
    this.mcr = state.mcr & MCR_MASK;
    this.scr = state.scr & 0xff;
    this.divisor = state.divisor & 0xffff;
    this.overrun = state.overrun;
    this.thrInterruptPending = state.thrInterruptPending;
    this.msrInputs = state.msrInputs & 0xf0;
    this.msrDeltas = state.msrDeltas & 0x0f;
    this.updateIrq(true);
  }
}

/** 8.7: in loopback, DTR→DSR, RTS→CTS, OUT1→RI and OUT2→DCD internally. */
function loopbackInputs(mcr: number): number {
  let msr = 0;
  if (mcr & MCR_DTR) msr |= MSR_DSR;
  if (mcr & MCR_RTS) msr |= MSR_CTS;
  if (mcr & MCR_OUT1) msr |= MSR_RI;
  if (mcr & MCR_OUT2) msr |= MSR_DCD;
  return msr;
}
