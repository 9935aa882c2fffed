import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checksum, framePacket, PacketReader } from './packet.js';
import { GdbServer } from './server.js';
import type { RiscvCpu } from './target.js';

/**
 * A CPU whose memory is 64 KiB at 0x8000_0000 holding `addi x1, x1, 1` (0x00108093) everywhere
 * and a `sw x1, 0(x2)` at 0x8000_0010: enough to see the stub's execution control at work.
 */
function toyCpu(startPc = 0x8000_0000n): RiscvCpu & { exec: (n: number) => undefined; executed: number; halted: boolean } {
  const mem = new Uint8Array(0x1_0000);
  const view = new DataView(mem.buffer);
  for (let i = 0; i < mem.length; i += 4) view.setUint32(i, 0x0010_8093, true);
  view.setUint32(0x10, 0x0011_2023, true);
  const x = new BigUint64Array(32);
  x[2] = 0x8000_8000n;
  let pc = startPc;
  const off = (a: bigint, n: number): number | undefined => (a >= 0x8000_0000n && a + BigInt(n) <= 0x8001_0000n ? Number(a - 0x8000_0000n) : undefined);
  const cpu = {
    executed: 0,
    halted: false,
    readX: (i: number) => x[i]!,
    writeX: (i: number, v: bigint) => void (x[i] = v),
    readF: () => 0n,
    writeF: () => undefined,
    get pc() {
      return pc;
    },
    setPc(v: bigint) {
      pc = v;
    },
    priv: 3,
    csrs: [0x300],
    readCsr: () => 0xan,
    writeCsr: () => undefined,
    readMemory: (a: bigint, n: number) => {
      const o = off(a, n);
      return o === undefined ? undefined : mem.slice(o, o + n);
    },
    writeMemory: (a: bigint, d: Uint8Array) => {
      const o = off(a, d.length);
      if (o === undefined) return false;
      mem.set(d, o);
      return true;
    },
    translate: (a: bigint) => off(a, 1) === undefined ? undefined : Number(a),
    exec: (n: number): undefined => {
      for (let i = 0; i < n; i++) {
        x[1] = x[1]! + 1n;
        pc += 4n;
        cpu.executed++;
      }
      return undefined;
    },
  };
  return cpu;
}

/** A hand-driven client: send packets, read replies (the real client is tested in apps/cli with gdb-multiarch). */
async function client(port: number): Promise<{ ask: (p: string) => Promise<string>; send: (raw: string) => void; next: () => Promise<string>; sock: Socket }> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const reader = new PacketReader();
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  sock.on('data', (b: Buffer) => {
    for (const ev of reader.feed(b)) if (ev.kind === 'packet') queue.push(ev.payload);
    wake?.();
  });
  const next = async (): Promise<string> => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift()!;
  };
  return {
    sock,
    send: (raw) => sock.write(raw),
    next,
    ask: async (p) => {
      sock.write(framePacket(p));
      return next();
    },
  };
}

/** The run loop as the CLI runs it: wait while held, execute batches through the stub. */
function runLoop(stub: GdbServer, cpu: { exec: (n: number) => undefined }): { stop: () => void } {
  let running = true;
  void (async () => {
    while (running) {
      if (!(await stub.waitRunnable())) return;
      stub.run(1000, (n) => cpu.exec(n));
      await new Promise<void>((r) => setImmediate(r));
    }
  })();
  return { stop: () => (running = false) };
}

describe('packet framing', () => {
  it('checksums, escapes and unescapes as the GDB manual defines', () => {
    expect(checksum('OK')).toBe(0x9a);
    expect(framePacket('OK')).toBe('$OK#9a');
    expect(framePacket('a#b')).toBe('$a}\x03b#' + checksum('a}\x03b').toString(16).padStart(2, '0'));
    const r = new PacketReader();
    expect(r.feed(Buffer.from('+$X0,1:}\x03#' + checksum('X0,1:}\x03').toString(16) + '\x03'))).toEqual([
      { kind: 'packet', payload: 'X0,1:#', ok: true },
      { kind: 'interrupt' },
    ]);
  });
});

describe('GdbServer', () => {
  it('holds the CPU with startPaused, steps, breaks, watches a store, stops on Ctrl-C, and detaches', async () => {
    const cpu = toyCpu();
    const stub = await GdbServer.listen(cpu, 0, '127.0.0.1', { startPaused: true });
    const loop = runLoop(stub, cpu);
    const c = await client(stub.port);
    expect(await c.ask('qSupported:multiprocess+')).toContain('qXfer:features:read+');
    expect(await c.ask('qXfer:features:read:target.xml:0,40')).toMatch(/^m<\?xml/);
    expect(await c.ask('?')).toBe('T05thread:01;');
    expect((await c.ask('g')).length).toBe(33 * 16);
    expect(await c.ask('p20')).toBe('0000008000000000');
    expect(cpu.executed).toBe(0);
    expect(await c.ask('vCont;s:1')).toBe('T05thread:01;');
    expect(cpu.executed).toBe(1);
    expect(await c.ask('Z0,80000008,4')).toBe('OK');
    expect(await c.ask('c')).toBe('T05thread:01;');
    expect(cpu.pc).toBe(0x8000_0008n);
    expect(await c.ask('z0,80000008,4')).toBe('OK');
    // A write watchpoint stops before the store that hits it (riscv's non-steppable watchpoints).
    expect(await c.ask('Z2,80008000,4')).toBe('OK');
    expect(await c.ask('c')).toBe('T05watch:80008000;thread:01;');
    expect(cpu.pc).toBe(0x8000_0010n);
    expect(await c.ask('z2,80008000,4')).toBe('OK');
    expect(await c.ask('m80000010,4')).toBe('23201100');
    expect(await c.ask('M80000010,4:93800000')).toBe('OK');
    expect(await c.ask('m80000010,4')).toBe('93800000');
    c.send(framePacket('c'));
    while (cpu.executed < 5000) await new Promise<void>((r) => setImmediate(r));
    c.send('\x03');
    expect(await c.next()).toBe('T02thread:01;');
    const held = cpu.executed;
    await new Promise<void>((r) => setImmediate(r));
    expect(cpu.executed).toBe(held);
    expect(await c.ask('D')).toBe('OK');
    while (cpu.executed === held) await new Promise<void>((r) => setImmediate(r));
    loop.stop();
    stub.close();
  });

  it('shows the CPUs of an SMP machine as threads: list, current, alive, extra info, Hg registers, stop replies and vCont per thread', async () => {
    const harts = [toyCpu(0x8000_0000n), toyCpu(0x8000_0100n)];
    harts[1]!.writeX(10, 1n);
    harts[1]!.halted = true;
    // The board's step: one instruction on every hart that runs.
    const board = { exec: (n: number): undefined => void harts.forEach((h) => h.exec(n)) };
    const stub = await GdbServer.listen(harts, 0, '127.0.0.1', { startPaused: true });
    const loop = runLoop(stub, board);
    const c = await client(stub.port);
    expect(await c.ask('vMustReplyEmpty')).toBe('');
    expect(await c.ask('?')).toBe('T05thread:01;');
    expect(await c.ask('qfThreadInfo')).toBe('m01,02');
    expect(await c.ask('qsThreadInfo')).toBe('l');
    expect(await c.ask('qC')).toBe('QC01');
    expect(await c.ask('T02')).toBe('OK');
    expect(await c.ask('T03')).toBe('E01');
    expect(await c.ask('Hg3')).toBe('E01');
    const extra = async (t: string): Promise<string> => Buffer.from(await c.ask(`qThreadExtraInfo,${t}`), 'hex').toString();
    expect(await extra('1')).toBe('CPU#0 [running]');
    expect(await extra('2')).toBe('CPU#1 [halted ]');
    harts[1]!.halted = false;
    // Registers follow Hg: pc (32) and a0 (10) of each hart.
    expect(await c.ask('p20')).toBe('0000008000000000');
    expect(await c.ask('Hg2')).toBe('OK');
    expect(await c.ask('p20')).toBe('0001008000000000');
    expect(await c.ask('pa')).toBe('0100000000000000');
    expect((await c.ask('g')).slice(32 * 16)).toBe('0001008000000000');
    expect(await c.ask('Hg0')).toBe('OK');
    expect(await c.ask('pa')).toBe('0000000000000000');
    // A breakpoint only hart 1 (thread 2) reaches: the stop names it, and qC follows.
    expect(await c.ask('Z0,80000108,4')).toBe('OK');
    expect(await c.ask('vCont;c')).toBe('T05thread:02;');
    expect(await c.ask('qC')).toBe('QC02');
    // The stopped thread becomes the current one for registers without an H packet (as GDB assumes).
    expect(await c.ask('p20')).toBe('0801008000000000');
    expect(harts[1]!.pc).toBe(0x8000_0108n);
    expect(harts[0]!.pc).toBe(0x8000_0008n);
    expect(await c.ask('z0,80000108,4')).toBe('OK');
    // GDB's stepi on thread 1 with the others running: the step is reported for thread 1.
    expect(await c.ask('vCont;s:1;c')).toBe('T05thread:01;');
    expect(harts[0]!.pc).toBe(0x8000_000cn);
    expect(harts[1]!.pc).toBe(0x8000_010cn);
    expect(await c.ask('vCont;s:2;c')).toBe('T05thread:02;');
    expect(await c.ask('Hc2')).toBe('OK');
    expect(await c.ask('s')).toBe('T05thread:02;');
    expect(harts[1]!.pc).toBe(0x8000_0114n);
    expect(await c.ask('vCont;x:1')).toBe('E01');
    c.send(framePacket('c'));
    while (harts[0]!.executed < 5000) await new Promise<void>((r) => setImmediate(r));
    c.send('\x03');
    expect(await c.next()).toMatch(/^T02thread:0[12];$/);
    expect(await c.ask('D')).toBe('OK');
    loop.stop();
    stub.close();
  });

  it("shows a VM's vCPUs as threads: they take turns, so a step or a breakpoint's skip waits for that vCPU's turn", async () => {
    // Two vCPUs of a VM on one real hart, in turns of 3 instructions (a hypervisor's quantum).
    const vcpus = [toyCpu(0x8000_0000n), toyCpu(0x8000_0100n)].map((c) => Object.defineProperty(c, 'retired', { get: () => c.executed }) as typeof c & { readonly retired: number });
    let turn = 0;
    let used = 0;
    const vm = {
      exec: (n: number): undefined => {
        for (let i = 0; i < n; i++) {
          vcpus[turn]!.exec(1);
          if (++used === 3) [turn, used] = [1 - turn, 0];
        }
        return undefined;
      },
    };
    const stub = await GdbServer.listen(vcpus, 0, '127.0.0.1', { startPaused: true });
    const loop = runLoop(stub, vm);
    const c = await client(stub.port);
    expect(await c.ask('qfThreadInfo')).toBe('m01,02');
    // vCPU 1 reaches 0x8000_010c with its third instruction of a turn: vCPU 0's turn comes next.
    expect(await c.ask('Z0,8000010c,4')).toBe('OK');
    expect(await c.ask('vCont;c')).toBe('T05thread:02;');
    expect([vcpus[0]!.pc, vcpus[1]!.pc, turn]).toEqual([0x8000_000cn, 0x8000_010cn, 0]);
    expect(await c.ask('p20')).toBe('0c01008000000000');
    // Continuing with the breakpoint still set: vCPU 1 executes it on its next turn, not stopping
    // again at once while vCPU 0 runs; the next breakpoint stops it.
    expect(await c.ask('Z0,80000114,4')).toBe('OK');
    expect(await c.ask('vCont;c')).toBe('T05thread:02;');
    expect([vcpus[0]!.pc, vcpus[1]!.pc]).toEqual([0x8000_0018n, 0x8000_0114n]);
    // A step of thread 2 in its turn: one instruction; in vCPU 0's turn: vCPU 0 runs its turn first.
    expect(await c.ask('vCont;s:2;c')).toBe('T05thread:02;');
    expect([vcpus[0]!.pc, vcpus[1]!.pc, turn]).toEqual([0x8000_0018n, 0x8000_0118n, 0]);
    expect(await c.ask('vCont;s:2;c')).toBe('T05thread:02;');
    expect([vcpus[0]!.pc, vcpus[1]!.pc]).toEqual([0x8000_0024n, 0x8000_011cn]);
    // Thread 1's registers through Hg, while thread 2 is the one that stopped.
    expect(await c.ask('Hg1')).toBe('OK');
    expect(await c.ask('p20')).toBe('2400008000000000');
    expect(await c.ask('D')).toBe('OK');
    loop.stop();
    stub.close();
  });
});
