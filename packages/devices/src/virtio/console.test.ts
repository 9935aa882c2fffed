import { describe, expect, it } from 'vitest';
import { featureBit } from './constants.js';
import { VIRTIO_CONSOLE_F_SIZE, VirtioConsole } from './console.js';
import { TestMachine } from './test-support/driver.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('VirtioConsole (virtio 1.2 §5.3)', () => {
  it('passes guest output to the callback', () => {
    const out: string[] = [];
    const con = new VirtioConsole({ output: (b) => out.push(str(b)) });
    const m = new TestMachine(con);
    const [, tx] = m.init();
    tx!.submit([{ out: text('hello ') }, { out: text('world\n') }]);
    tx!.submit([{ out: text('bye') }]);
    tx!.kick();
    expect(out).toEqual(['hello world\n', 'bye']);
    expect(tx!.takeUsed().map((u) => u.len)).toEqual([0, 0]);
    expect(m.irq.level).toBe(true);
  });

  it('delivers input into receive buffers, holding it until buffers exist', () => {
    const con = new VirtioConsole({ output: () => {} });
    const m = new TestMachine(con);
    con.receive(text('early'));
    const [rx] = m.init();
    // no buffers yet: held
    con.receive(text(' input that is long'));
    const a = rx!.submit([{ in: 8 }]);
    const b = rx!.submit([{ in: 64 }]);
    rx!.kick();
    const used = rx!.takeUsed();
    expect(used.map((u) => u.len)).toEqual([8, 16]);
    expect(str(m.ram.slice(a.inAddrs[0]!, 8))).toBe('early in');
    expect(str(m.ram.slice(b.inAddrs[0]!, 16))).toBe('put that is long');
    // buffers already available when input arrives
    const c = rx!.submit([{ in: 4 }]);
    rx!.kick();
    con.receive(text('ok'));
    expect(rx!.takeUsed()).toEqual([{ id: c.head, len: 2 }]);
  });

  it('offers F_SIZE on request, reports the size, and signals resizes as config changes', () => {
    const con = new VirtioConsole({ output: () => {}, size: { cols: 80, rows: 25 } });
    expect(con.features & featureBit(VIRTIO_CONSOLE_F_SIZE)).not.toBe(0n);
    const m = new TestMachine(con);
    m.init();
    expect(m.transport.read(0x100, 2)).toBe(80n);
    expect(m.transport.read(0x102, 2)).toBe(25n);
    expect(m.transport.read(0x104, 4)).toBe(1n);
    const gen = m.r32(0xfc);
    con.resize(132, 50);
    expect(m.r32(0xfc)).toBe(gen + 1);
    expect(m.ack()).toBe(2);
    expect(m.transport.read(0x100, 4)).toBe(132n | (50n << 16n));
  });

  it('emergency write outputs a character', () => {
    const out: number[] = [];
    const m = new TestMachine(new VirtioConsole({ output: (b) => out.push(...b) }));
    m.transport.write(0x108, 4, 0x41n);
    expect(out).toEqual([0x41]);
  });
});
