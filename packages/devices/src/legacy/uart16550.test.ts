import { describe, expect, it } from 'vitest';
import { Ram, SystemBus } from '@vm/mmu';
import { SnapshotVersionError } from './snapshot-version.js';
import { ProbeLine } from './test-support/probes.js';
import { Uart16550 } from './uart16550.js';
import type { Uart16550State } from './uart16550.js';

// Register offsets (reg-shift 0).
const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup() {
  const irq = new ProbeLine();
  const out: number[] = [];
  const uart = new Uart16550({ irq, output: (b) => out.push(b) });
  const rd = (off: number): number => Number(uart.read(off, 1));
  const wr = (off: number, v: number): void => uart.write(off, 1, BigInt(v));
  return { uart, irq, out, rd, wr };
}

const text = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('Uart16550', () => {
  it('comes out of reset as QEMU resets it', () => {
    const { uart, rd } = setup();
    expect(uart.size).toBe(0x100);
    expect(uart.accessWidths).toEqual([1]);
    expect(rd(IER)).toBe(0);
    expect(rd(IIR)).toBe(0x01);
    expect(rd(LCR)).toBe(0);
    expect(rd(MCR)).toBe(0x08);
    expect(rd(LSR)).toBe(0x60);
    expect(rd(MSR)).toBe(0xb0);
    expect(rd(SCR)).toBe(0);
    expect(uart.baudDivisor).toBe(0x0c);
  });

  it('follows the OpenSBI uart8250_init sequence and polled putc/getc', () => {
    const { uart, rd, wr, out } = setup();
    wr(IER, 0x00);
    wr(LCR, 0x80); // DLAB
    wr(DLL, 0x36);
    wr(DLM, 0x01);
    wr(LCR, 0x03); // 8N1
    wr(FCR, 0x01);
    wr(MCR, 0x00);
    rd(LSR);
    rd(RBR);
    wr(SCR, 0x00);
    expect(uart.baudDivisor).toBe(0x136);
    for (const c of text('OpenSBI\n')) {
      while ((rd(LSR) & 0x20) === 0) {
        /* wait for THRE */
      }
      wr(THR, c);
    }
    expect(String.fromCharCode(...out)).toBe('OpenSBI\n');
    expect(rd(LSR) & 0x01).toBe(0); // getc: nothing yet
    expect(uart.receive(text('y'))).toBe(1);
    expect(rd(LSR) & 0x01).toBe(1);
    expect(rd(RBR)).toBe(0x79);
    expect(rd(LSR) & 0x01).toBe(0);
  });

  it('follows the U-Boot NS16550_init sequence (FIFO with resets, divisor via LCR.BKSE)', () => {
    const { uart, rd, wr } = setup();
    expect(rd(LSR) & 0x40).toBe(0x40); // TEMT
    wr(IER, 0);
    wr(MCR, 0x03);
    wr(FCR, 0x07);
    wr(LCR, 0x03);
    wr(LCR, 0x83);
    wr(DLL, 0x01);
    wr(DLM, 0x00);
    wr(LCR, 0x03);
    expect(uart.fifoEnabled).toBe(true);
    expect(uart.baudDivisor).toBe(1);
    expect(rd(IIR)).toBe(0xc1); // FIFOs enabled, no interrupt
    expect(rd(MCR)).toBe(0x03);
  });

  it('switches offsets 0 and 1 to the divisor latch while LCR.DLAB is set', () => {
    const { rd, wr, out } = setup();
    wr(IER, 0x05);
    wr(LCR, 0x83);
    wr(DLL, 0x12);
    wr(DLM, 0x34);
    expect(rd(DLL)).toBe(0x12);
    expect(rd(DLM)).toBe(0x34);
    expect(out).toEqual([]); // the DLL write did not transmit
    wr(LCR, 0x03);
    expect(rd(IER)).toBe(0x05);
    wr(IER, 0xff);
    expect(rd(IER)).toBe(0x0f); // bits 7:4 read 0 (Linux probes this)
  });

  it('buffers 16 bytes with the FIFO enabled and 1 without, reporting what it accepted', () => {
    const { uart, rd, wr } = setup();
    expect(uart.receive(text('ab'))).toBe(1); // FIFO off: one holding register
    expect(uart.canReceive()).toBe(false);
    expect(rd(RBR)).toBe(0x61);
    expect(rd(RBR)).toBe(0x61); // empty holding register keeps showing the last character
    wr(FCR, 0x01);
    const data = Array.from({ length: 20 }, (_, i) => 0x40 + i);
    expect(uart.receive(data)).toBe(16);
    expect(uart.canReceive()).toBe(false);
    expect(uart.rxFree).toBe(0);
    expect(uart.receive(data.slice(16))).toBe(0);
    const got: number[] = [];
    while (rd(LSR) & 0x01) got.push(rd(RBR));
    expect(got).toEqual(data.slice(0, 16));
    expect(rd(RBR)).toBe(0); // empty FIFO reads 0
    expect(uart.receive(new Uint8Array(data.slice(16)))).toBe(4);
    wr(FCR, 0x03); // RX FIFO reset
    expect(rd(LSR) & 0x01).toBe(0);
  });

  it('clears the FIFOs when the FIFO enable bit changes', () => {
    const { uart, rd, wr } = setup();
    wr(FCR, 0x01);
    uart.receive(text('abc'));
    wr(FCR, 0x00);
    expect(rd(LSR) & 0x01).toBe(0);
    expect(rd(IIR)).toBe(0x01);
  });

  it('raises RX data available at the trigger level and character timeout below it', () => {
    const { uart, irq, rd, wr } = setup();
    wr(FCR, 0xc1); // FIFO on, trigger 14
    wr(IER, 0x01);
    expect(irq.level).toBe(false);
    uart.receive(new Array(13).fill(0x41));
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0xcc); // timeout
    uart.receive([0x42]);
    expect(rd(IIR)).toBe(0xc4); // data available
    rd(RBR);
    expect(rd(IIR)).toBe(0xcc);
    while (rd(LSR) & 1) rd(RBR);
    expect(rd(IIR)).toBe(0xc1);
    expect(irq.level).toBe(false);

    wr(FCR, 0x41); // trigger 4
    uart.receive([1, 2, 3]);
    expect(rd(IIR)).toBe(0xcc);
    uart.receive([4]);
    expect(rd(IIR)).toBe(0xc4);
  });

  it('raises RX data available for one character with the FIFO disabled', () => {
    const { uart, irq, rd, wr } = setup();
    wr(IER, 0x01);
    uart.receive([0x5a]);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0x04);
    expect(rd(RBR)).toBe(0x5a);
    expect(irq.level).toBe(false);
    expect(rd(IIR)).toBe(0x01);
  });

  it('implements THRE interrupt semantics: on ETBEI enable, cleared by IIR read, re-armed by THR write', () => {
    const { irq, rd, wr, out } = setup();
    wr(IER, 0x02); // THR is empty: interrupt at once
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0x02);
    expect(irq.level).toBe(false); // reading IIR with THRE as the source cleared it
    expect(rd(IIR)).toBe(0x01);

    irq.history.length = 0;
    wr(THR, 0x21);
    expect(out).toEqual([0x21]);
    // The write cleared the interrupt (already low) and the byte left at once: THR empty again.
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0x02);

    wr(THR, 0x22); // clears pending THRE (line low), then THR empties again (line high)
    expect(irq.history.slice(-2)).toEqual([false, true]);

    wr(IER, 0x00);
    expect(irq.level).toBe(false);
    wr(IER, 0x02); // rising edge of ETBEI with THR empty
    expect(irq.level).toBe(true);
    wr(IER, 0x03); // no edge of ETBEI: the latch is unchanged
    expect(rd(IIR)).toBe(0x02);
    wr(IER, 0x03);
    expect(rd(IIR)).toBe(0x01);
  });

  it('prioritises line status > RX data > THRE > modem status', () => {
    const { uart, irq, rd, wr } = setup();
    wr(MCR, 0x10); // loopback, FIFO disabled
    rd(MSR); // consume the deltas from entering loopback
    wr(THR, 0x31);
    wr(THR, 0x32); // overrun: the holding register was full
    wr(MCR, 0x11); // DTR -> DSR changes: DDSR delta
    wr(IER, 0x0f);
    expect(irq.level).toBe(true);
    expect(rd(IIR)).toBe(0x06);
    expect(rd(LSR) & 0x03).toBe(0x03); // OE | DR; reading clears OE
    expect(rd(LSR) & 0x02).toBe(0);
    expect(rd(IIR)).toBe(0x04);
    expect(rd(RBR)).toBe(0x32); // non-FIFO overrun overwrites the holding register
    expect(rd(IIR)).toBe(0x02);
    expect(rd(IIR)).toBe(0x00); // THRE cleared by the read before; modem status next
    expect(rd(MSR) & 0x0f).toBe(0x02);
    expect(rd(IIR)).toBe(0x01);
    expect(irq.level).toBe(false);
    expect(uart.guestErrors).toBe(0);
  });

  it('loops TX back to RX and modem outputs to inputs in loopback mode', () => {
    const { uart, rd, wr, out } = setup();
    wr(FCR, 0x01);
    wr(MCR, 0x1a); // LOOP | OUT2 | RTS: Linux's autoconfig check expects MSR 7:4 = 0x90
    expect(rd(MSR) & 0xf0).toBe(0x90);
    expect(uart.canReceive()).toBe(false);
    expect(uart.receive([0x55])).toBe(0);
    for (const c of text('loop')) wr(THR, c);
    expect(out).toEqual([]);
    const got: number[] = [];
    while (rd(LSR) & 1) got.push(rd(RBR));
    expect(String.fromCharCode(...got)).toBe('loop');
    for (let i = 0; i < 17; i++) wr(THR, i);
    expect(rd(LSR) & 0x02).toBe(0x02); // 17th byte overran the FIFO and was lost
    let n = 0;
    while (rd(LSR) & 1) {
      expect(rd(RBR)).toBe(n++);
    }
    expect(n).toBe(16);
    wr(MCR, 0x00);
    expect(rd(MSR)).toBe(0xb2); // back to CTS|DSR|DCD: only DSR changed (DDSR)
    expect(rd(MSR)).toBe(0xb0);
    wr(THR, 0x41);
    expect(out).toEqual([0x41]);
  });

  it('keeps the scratch register and treats other offsets as guest errors', () => {
    const { uart, rd, wr } = setup();
    wr(SCR, 0xa5);
    expect(rd(SCR)).toBe(0xa5);
    expect(rd(0x08)).toBe(0);
    wr(0x08, 0xff);
    wr(LSR, 0x00);
    expect(rd(LSR)).toBe(0x60);
    expect(uart.guestErrors).toBe(3);
  });

  it('sits behind the system bus with 1-byte registers (wider accesses are split)', () => {
    const { uart } = setup();
    const bus = new SystemBus(new Ram(0x8000_0000, 4096));
    bus.attach('uart', 0x1000_0000, uart);
    bus.write(0x1000_0007, 1, 0x5an);
    expect(bus.read(0x1000_0004, 4)).toBe(0x5a_b0_60_08n); // SCR MSR LSR MCR
  });

  it('round-trips its state through snapshot/restore and rejects unknown versions', () => {
    const a = setup();
    a.wr(LCR, 0x83);
    a.wr(DLL, 0x10);
    a.wr(LCR, 0x03);
    a.wr(FCR, 0x81);
    a.wr(IER, 0x03);
    a.wr(SCR, 0x42);
    a.uart.receive(text('hello'));
    const snap = a.uart.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap); // plain data

    const b = setup();
    b.uart.restore(snap);
    expect(b.uart.snapshot()).toEqual(snap);
    expect(b.irq.level).toBe(true); // restore re-drives the interrupt line
    expect(b.rd(IIR)).toBe(a.rd(IIR));
    expect(b.uart.baudDivisor).toBe(0x10);
    const got: number[] = [];
    while (b.rd(LSR) & 1) got.push(b.rd(RBR));
    expect(String.fromCharCode(...got)).toBe('hello');

    expect(() => b.uart.restore({ ...snap, version: 2 } as unknown as Uart16550State)).toThrow(SnapshotVersionError);
    expect(() => b.uart.restore({ ...snap, version: 2 } as unknown as Uart16550State)).toThrow(/version 2/);
  });

  it('reset() returns to power-on state and lowers the line', () => {
    const { uart, irq, rd, wr } = setup();
    wr(IER, 0x02);
    expect(irq.level).toBe(true);
    uart.reset();
    expect(irq.level).toBe(false);
    expect(rd(IER)).toBe(0);
    expect(rd(MCR)).toBe(0x08);
  });
});
