import { describe, expect, it } from 'vitest';
import { SbiServer } from './sbi-server.js';
import {
  EID_BASE, EID_DBCN, EID_HSM, EID_IPI, EID_RFENCE, EID_SRST, EID_TIME, EID_VMPV, SBI_IMPL_ID, SBI_SPEC_VERSION,
} from './sbi-ids.js';
import { SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED } from './sbi-error.js';
import { HSM_STATE_STARTED, HSM_STATE_STOPPED, HSM_STATE_SUSPENDED, type FenceRequest, type SbiHarts } from './sbi-platform.js';
import { FakePlatform, RAM_BASE, registers } from './test-support/fake-platform.js';

const setup = () => {
  const p = new FakePlatform();
  return { p, sbi: new SbiServer(p) };
};
const call = (sbi: SbiServer, eid: number, fid: number, ...args: (bigint | number)[]) =>
  sbi.call({ eid, fid, args: args.map((a) => BigInt(a)) }).ret;
const ALL_ONES = (1n << 64n) - 1n;

describe('SbiServer: register convention and errors (SBI spec 3)', () => {
  it('reads a7/a6/a0.., writes a0 = error, a1 = value', () => {
    const { sbi } = setup();
    const r = registers({ 17: BigInt(EID_BASE), 16: 0n });
    expect(sbi.handle(r).extension).toBe('base');
    expect(r.x[10]).toBe(0n);
    expect(r.x[11]).toBe(BigInt(SBI_SPEC_VERSION));
  });
  it('unknown EID or FID: SBI_ERR_NOT_SUPPORTED (-2) in a0', () => {
    const { sbi } = setup();
    const r = registers({ 17: 0x1234_5678n, 16: 0n, 11: 99n });
    sbi.handle(r);
    expect(r.x[10]).toBe(BigInt.asUintN(64, -2n));
    expect(call(sbi, EID_TIME, 7).error).toBe(SBI_ERR_NOT_SUPPORTED);
    expect(call(sbi, EID_BASE, 7).error).toBe(SBI_ERR_NOT_SUPPORTED);
  });
});

describe('BASE (SBI spec 4)', () => {
  it('spec version 2.0, impl id/version, machine ids, probe', () => {
    const { sbi } = setup();
    expect(call(sbi, EID_BASE, 0).value).toBe(0x0200_0000n);
    expect(call(sbi, EID_BASE, 1).value).toBe(BigInt(SBI_IMPL_ID));
    expect(call(sbi, EID_BASE, 2).value).toBeGreaterThan(0n);
    expect(call(sbi, EID_BASE, 4).value).toBe(0n);
    expect(call(sbi, EID_BASE, 5).value).toBe(0x2an);
    expect(call(sbi, EID_BASE, 6).value).toBe(7n);
    for (const eid of [EID_BASE, EID_TIME, EID_IPI, EID_RFENCE, EID_HSM, EID_SRST, EID_DBCN, 0, 1, 8]) {
      expect(call(sbi, EID_BASE, 3, eid)).toEqual({ error: 0, value: 1n });
    }
    expect(call(sbi, EID_BASE, 3, 0x504d55).value).toBe(0n); // PMU: absent
    expect(call(sbi, EID_BASE, 3, EID_VMPV).value).toBe(0n); // no PV-MMU back end given
  });
});

describe('TIME (SBI spec 6)', () => {
  it('set_timer programs the virtual timer', () => {
    const { p, sbi } = setup();
    expect(call(sbi, EID_TIME, 0, 12345).error).toBe(0);
    expect(p.timer).toBe(12345n);
  });
});

describe('IPI (SBI spec 7)', () => {
  it('send_ipi to hart 0 raises SSIP; an absent hart is INVALID_PARAM', () => {
    const { p, sbi } = setup();
    expect(call(sbi, EID_IPI, 0, 1, 0).error).toBe(0);
    expect(p.ssip).toBe(true);
    p.ssip = false;
    expect(call(sbi, EID_IPI, 0, 0, ALL_ONES).error).toBe(0);
    expect(p.ssip).toBe(true);
    expect(call(sbi, EID_IPI, 0, 2, 0).error).toBe(SBI_ERR_INVALID_PARAM);
  });
});

describe('RFENCE (SBI spec 8)', () => {
  it('fence.i, sfence.vma, sfence.vma.asid reach the fence callback; hfence is not supported', () => {
    const { p, sbi } = setup();
    expect(call(sbi, EID_RFENCE, 0, 1, 0).error).toBe(0);
    expect(call(sbi, EID_RFENCE, 1, 1, 0, 0x1000, 0x2000).error).toBe(0);
    expect(call(sbi, EID_RFENCE, 2, 1, 0, 0, ALL_ONES, 5).error).toBe(0);
    expect(p.fences).toEqual([
      { kind: 'fence.i', start: 0n, size: 0n },
      { kind: 'sfence.vma', start: 0x1000n, size: 0x2000n },
      { kind: 'sfence.vma.asid', start: 0n, size: ALL_ONES, asid: 5n },
    ]);
    expect(call(sbi, EID_RFENCE, 3, 1, 0).error).toBe(SBI_ERR_NOT_SUPPORTED);
  });
});

describe('HSM (SBI spec 9)', () => {
  it('hart 0 is STARTED; starting it is ALREADY_AVAILABLE, an absent hart INVALID_PARAM', () => {
    const { sbi } = setup();
    expect(call(sbi, EID_HSM, 2, 0)).toEqual({ error: 0, value: 0n });
    expect(call(sbi, EID_HSM, 2, 1).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(sbi, EID_HSM, 0, 0, RAM_BASE, 0).error).toBe(SBI_ERR_ALREADY_AVAILABLE);
    expect(call(sbi, EID_HSM, 0, 3, RAM_BASE, 0).error).toBe(SBI_ERR_INVALID_PARAM);
  });
  it('retentive suspend waits for an interrupt; non-retentive is not supported', () => {
    let waits = 0;
    const p = new FakePlatform();
    const sbi = new SbiServer(p, { waitForInterrupt: () => waits++ });
    expect(call(sbi, EID_HSM, 3, 0, 0, 0).error).toBe(0);
    expect(waits).toBe(1);
    expect(call(sbi, EID_HSM, 3, 0x8000_0000, 0, 0).error).toBe(SBI_ERR_NOT_SUPPORTED);
  });
});

/** A platform of four harts that records what the server asked of them. */
class FakeHarts implements SbiHarts {
  readonly count = 4;
  caller = 0;
  readonly states = [HSM_STATE_STARTED, HSM_STATE_STOPPED, HSM_STATE_STOPPED, HSM_STATE_STOPPED];
  readonly log: string[] = [];
  status(h: number): number {
    return this.states[h]!;
  }
  start(h: number, addr: bigint, opaque: bigint): void {
    this.states[h] = HSM_STATE_STARTED;
    this.log.push(`start ${h} ${addr.toString(16)} ${opaque}`);
  }
  stop(): void {
    this.states[this.caller] = HSM_STATE_STOPPED;
    this.log.push(`stop ${this.caller}`);
  }
  suspend(addr: bigint, opaque: bigint): void {
    this.states[this.caller] = HSM_STATE_SUSPENDED;
    this.log.push(`suspend ${this.caller} ${addr.toString(16)} ${opaque}`);
  }
  sendIpi(h: number): void {
    this.log.push(`ipi ${h}`);
  }
  fence(h: number, r: FenceRequest): void {
    this.log.push(`${r.kind} ${h}`);
  }
  readHartMask(address: bigint): bigint | undefined {
    return address === 0x1000n ? 0b1010n : undefined;
  }
}

describe('several harts (a multi-vCPU VM): IPI, RFENCE, HSM per hart', () => {
  const setupMany = () => {
    const harts = new FakeHarts();
    const p = Object.assign(new FakePlatform(), { harts });
    return { harts, sbi: new SbiServer(p) };
  };
  it('send_ipi and remote fences reach exactly the harts the mask names (SBI 3.1, 7.1, 8)', () => {
    const { harts, sbi } = setupMany();
    expect(call(sbi, EID_IPI, 0, 0b110, 0).error).toBe(0);
    expect(call(sbi, EID_IPI, 0, 0b1, 3).error).toBe(0);
    expect(call(sbi, EID_RFENCE, 1, 0, ALL_ONES, 0, 0).error).toBe(0);
    expect(harts.log).toEqual(['ipi 1', 'ipi 2', 'ipi 3', 'sfence.vma 0', 'sfence.vma 1', 'sfence.vma 2', 'sfence.vma 3']);
    expect(call(sbi, EID_IPI, 0, 0b1, 4).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(sbi, EID_RFENCE, 0, 0b10000, 0).error).toBe(SBI_ERR_INVALID_PARAM);
  });
  it('legacy send_ipi reads its mask from memory; 0 names every hart (SBI 5.5)', () => {
    const { harts, sbi } = setupMany();
    expect(call(sbi, 0x04, 0, 0x1000).error).toBe(0);
    expect(harts.log).toEqual(['ipi 1', 'ipi 3']);
    expect(call(sbi, 0x06, 0, 0).error).toBe(0);
    expect(harts.log.slice(2)).toEqual(['sfence.vma 0', 'sfence.vma 1', 'sfence.vma 2', 'sfence.vma 3']);
    expect(call(sbi, 0x04, 0, 0x2000).error).toBe(SBI_ERR_INVALID_ADDRESS);
  });
  it('hart_start / get_status / stop / non-retentive suspend (SBI 9.1-9.4)', () => {
    const { harts, sbi } = setupMany();
    expect(call(sbi, EID_HSM, 2, 1)).toEqual({ error: 0, value: BigInt(HSM_STATE_STOPPED) });
    expect(call(sbi, EID_HSM, 0, 1, 0x8020_0000, 7).error).toBe(0);
    expect(call(sbi, EID_HSM, 2, 1)).toEqual({ error: 0, value: BigInt(HSM_STATE_STARTED) });
    expect(call(sbi, EID_HSM, 0, 1, 0x8020_0000, 7).error).toBe(SBI_ERR_ALREADY_AVAILABLE);
    expect(call(sbi, EID_HSM, 0, 4, 0x8020_0000, 7).error).toBe(SBI_ERR_INVALID_PARAM);
    harts.caller = 1;
    expect(call(sbi, EID_HSM, 1).error).toBe(0);
    expect(call(sbi, EID_HSM, 3, 0x8000_0000, 0x8030_0000, 9).error).toBe(0);
    expect(call(sbi, EID_HSM, 3, 0x0000_0001, 0, 0).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(sbi, EID_HSM, 3, 0x1000_0000, 0, 0).error).toBe(SBI_ERR_NOT_SUPPORTED);
    expect(harts.log).toEqual(['start 1 80200000 7', 'stop 1', 'suspend 1 80300000 9']);
  });
});

describe('SRST (SBI spec 10)', () => {
  it('shutdown (none / system failure), cold and warm reboot; bad type or reason rejected', () => {
    const { p, sbi } = setup();
    call(sbi, EID_SRST, 0, 0, 0);
    call(sbi, EID_SRST, 0, 0, 1);
    call(sbi, EID_SRST, 0, 1, 0);
    call(sbi, EID_SRST, 0, 2, 0);
    expect(p.resets).toEqual([
      { type: 'shutdown', reason: 0 }, { type: 'shutdown', reason: 1 }, { type: 'cold-reboot', reason: 0 }, { type: 'warm-reboot', reason: 0 },
    ]);
    expect(call(sbi, EID_SRST, 0, 3, 0).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(sbi, EID_SRST, 0, 0, 2).error).toBe(SBI_ERR_INVALID_PARAM);
  });
});

describe('DBCN (SBI spec 12)', () => {
  it('console_write of a guest buffer, write_byte, read into guest memory; outside RAM is INVALID_PARAM', () => {
    const { p, sbi } = setup();
    p.memory.load(RAM_BASE + 0x100, Buffer.from('hello'));
    expect(call(sbi, EID_DBCN, 0, 5, RAM_BASE + 0x100, 0)).toEqual({ error: 0, value: 5n });
    expect(call(sbi, EID_DBCN, 2, 0x21)).toEqual({ error: 0, value: 0n });
    expect(p.text).toBe('hello!');
    p.input = [0x61, 0x62];
    expect(call(sbi, EID_DBCN, 1, 8, RAM_BASE + 0x200, 0)).toEqual({ error: 0, value: 2n });
    expect(p.memory.read8(RAM_BASE + 0x201)).toBe(0x62);
    expect(call(sbi, EID_DBCN, 0, 5, 0x1000, 0).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(sbi, EID_DBCN, 0, 5, RAM_BASE, 1).error).toBe(SBI_ERR_INVALID_PARAM);
  });
});

describe('legacy v0.1 (SBI spec 5)', () => {
  it('each call returns one value in a0 and leaves a1 alone', () => {
    const { p, sbi } = setup();
    const r = registers({ 17: 1n, 10: 0x41n, 11: 77n });
    sbi.handle(r);
    expect(p.text).toBe('A');
    expect(r.x[10]).toBe(0n);
    expect(r.x[11]).toBe(77n);
    const g = registers({ 17: 2n });
    sbi.handle(g);
    expect(g.x[10]).toBe(BigInt.asUintN(64, -1n));
    p.input = [0x7a];
    sbi.handle(g);
    expect(g.x[10]).toBe(0x7an);
    sbi.handle(registers({ 17: 0n, 10: 99n }));
    expect(p.timer).toBe(99n);
    sbi.handle(registers({ 17: 4n }));
    expect(p.ssip).toBe(true);
    sbi.handle(registers({ 17: 3n }));
    expect(p.ssip).toBe(false);
    for (const eid of [5n, 6n, 7n]) sbi.handle(registers({ 17: eid }));
    expect(p.fences.map((f) => f.kind)).toEqual(['fence.i', 'sfence.vma', 'sfence.vma.asid']);
    sbi.handle(registers({ 17: 8n }));
    expect(p.resets).toEqual([{ type: 'shutdown', reason: 0 }]);
  });
});
