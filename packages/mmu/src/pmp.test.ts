import { describe, expect, it, vi } from 'vitest';
import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_M, PRIV_S, PRIV_U } from './access.js';
import { PMP_A_SHIFT, PMP_L, PMP_NA4, PMP_NAPOT, PMP_R, PMP_TOR, PMP_W, PMP_X, Pmp } from './pmp.js';

const TOR = PMP_TOR << PMP_A_SHIFT;
const NA4 = PMP_NA4 << PMP_A_SHIFT;
const NAPOT = PMP_NAPOT << PMP_A_SHIFT;
const RWX = PMP_R | PMP_W | PMP_X;

function setCfg(pmp: Pmp, i: number, byte: number): void {
  const csr = (i >> 3) * 2;
  const shift = BigInt((i & 7) * 8);
  pmp.writeCfg(csr, (pmp.readCfg(csr) & ~(0xffn << shift)) | (BigInt(byte) << shift));
}

describe('PMP CSRs (priv spec 3.7.1)', () => {
  it('packs eight entries per even pmpcfg CSR on RV64', () => {
    const pmp = new Pmp();
    pmp.writeCfg(2, 0x1f_1b_19_0f_0d_0b_09_01n);
    expect(pmp.readCfg(2)).toBe(0x1f_1b_19_0f_0d_0b_09_01n);
    expect(pmp.cfgOf(8)).toBe(0x01);
    expect(pmp.cfgOf(15)).toBe(0x1f);
    expect(pmp.readCfg(0)).toBe(0n);
    // pmpcfg4..14 would hold entries 16..63, which are not implemented.
    pmp.writeCfg(14, -1n);
    expect(pmp.readCfg(14)).toBe(0n);
    // Odd pmpcfg CSRs do not exist on RV64.
    pmp.writeCfg(1, -1n);
    expect(pmp.readCfg(1)).toBe(0n);
    expect(pmp.readCfg(0)).toBe(0n);
  });

  it('legalises the reserved R=0,W=1 encoding and reserved bits 6..5', () => {
    const pmp = new Pmp();
    pmp.writeCfg(0, BigInt(PMP_W | PMP_X | NAPOT | 0x60));
    expect(pmp.cfgOf(0)).toBe(PMP_X | NAPOT);
    pmp.writeCfg(0, BigInt(PMP_R | PMP_W));
    expect(pmp.cfgOf(0)).toBe(PMP_R | PMP_W);
  });

  it('keeps 54 bits of pmpaddr (physical address bits 55..2) and reads NAPOT values back as written', () => {
    const pmp = new Pmp();
    pmp.writeAddr(3, -1n);
    expect(pmp.readAddr(3)).toBe((1n << 54n) - 1n);
    pmp.writeAddr(4, 0x2000_03ffn);
    setCfg(pmp, 4, NAPOT | PMP_R);
    expect(pmp.readAddr(4)).toBe(0x2000_03ffn);
  });

  it('notifies its owner of every write (the MMU flushes its TLB)', () => {
    const pmp = new Pmp();
    const onChange = vi.fn();
    pmp.onChange = onChange;
    pmp.writeAddr(0, 1n);
    pmp.writeCfg(0, 0n);
    expect(onChange).toHaveBeenCalledTimes(2);
  });
});

describe('PMP address matching (priv spec 3.7.1.2)', () => {
  it('TOR: entry i covers [pmpaddr[i-1]*4, pmpaddr[i]*4), entry 0 from address 0', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, 0x1000n >> 2n);
    pmp.writeAddr(1, 0x3000n >> 2n);
    setCfg(pmp, 0, TOR | PMP_R);
    setCfg(pmp, 1, TOR | PMP_W | PMP_R);
    expect(pmp.check(0, 8, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0xff8, 8, ACCESS_STORE, PRIV_S)).toBe(false);
    expect(pmp.check(0x1000, 8, ACCESS_STORE, PRIV_S)).toBe(true);
    expect(pmp.check(0x2ff8, 8, ACCESS_STORE, PRIV_U)).toBe(true);
    expect(pmp.check(0x3000, 4, ACCESS_LOAD, PRIV_S)).toBe(false);
  });

  it('TOR with pmpaddr[i-1] >= pmpaddr[i] matches nothing', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, 0x3000n >> 2n);
    pmp.writeAddr(1, 0x2000n >> 2n);
    setCfg(pmp, 1, TOR | RWX);
    expect(pmp.check(0x2800, 4, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x1000, 4, ACCESS_LOAD, PRIV_S)).toBe(false);
  });

  it('NA4 covers exactly four bytes', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, 0x8000_0010n >> 2n);
    setCfg(pmp, 0, NA4 | PMP_R);
    expect(pmp.check(0x8000_0010, 4, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0x8000_0013, 1, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0x8000_0014, 1, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x8000_0010, 8, ACCESS_LOAD, PRIV_S)).toBe(false);
  });

  it('NAPOT: trailing ones give a 2^(t+3)-byte aligned region', () => {
    const pmp = new Pmp();
    // 0x8000_0000, 64 KiB: pmpaddr = (base | (size/2 - 1)) >> 2 = ...0_0fff (t = 13).
    pmp.writeAddr(0, (0x8000_0000n | 0x7fffn) >> 2n);
    setCfg(pmp, 0, NAPOT | PMP_R);
    expect(pmp.check(0x8000_0000, 8, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0x8000_fff8, 8, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0x8001_0000, 1, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x7fff_ffff, 1, ACCESS_LOAD, PRIV_S)).toBe(false);
    // t = 0: eight bytes.
    pmp.writeAddr(1, 0x1000n >> 2n);
    setCfg(pmp, 1, NAPOT | PMP_X);
    expect(pmp.check(0x1004, 4, ACCESS_FETCH, PRIV_U)).toBe(true);
    expect(pmp.check(0x1008, 4, ACCESS_FETCH, PRIV_U)).toBe(false);
  });

  it('NAPOT with all 54 bits set covers the whole address space', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, -1n);
    setCfg(pmp, 0, NAPOT | RWX);
    expect(pmp.check(0, 8, ACCESS_STORE, PRIV_U)).toBe(true);
    expect(pmp.check(2 ** 52, 8, ACCESS_FETCH, PRIV_S)).toBe(true);
  });
});

describe('PMP priority and privilege (priv spec 3.7.1.4)', () => {
  it('the lowest-numbered matching entry decides, even when a later one would allow', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, (0x8000_0000n | 0xfffn) >> 2n); // 8 KiB at 0x8000_0000
    pmp.writeAddr(1, -1n);
    setCfg(pmp, 0, NAPOT | PMP_R);
    setCfg(pmp, 1, NAPOT | RWX);
    expect(pmp.check(0x8000_0100, 4, ACCESS_STORE, PRIV_S)).toBe(false);
    expect(pmp.check(0x8000_0100, 4, ACCESS_LOAD, PRIV_S)).toBe(true);
    expect(pmp.check(0x8000_2000, 4, ACCESS_STORE, PRIV_S)).toBe(true);
  });

  it('an access only partly inside the deciding entry fails, whatever the permissions', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, 0x1000n >> 2n);
    setCfg(pmp, 0, NA4 | RWX | PMP_L);
    pmp.writeAddr(1, -1n);
    setCfg(pmp, 1, NAPOT | RWX);
    expect(pmp.check(0xffc, 8, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x1002, 4, ACCESS_LOAD, PRIV_M)).toBe(false);
    expect(pmp.check(0x1000, 4, ACCESS_LOAD, PRIV_M)).toBe(true);
  });

  it('no match: M-mode succeeds, S and U fail (16 entries are implemented)', () => {
    const pmp = new Pmp();
    expect(pmp.check(0x8000_0000, 8, ACCESS_STORE, PRIV_M)).toBe(true);
    expect(pmp.check(0x8000_0000, 8, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x8000_0000, 4, ACCESS_FETCH, PRIV_U)).toBe(false);
  });

  it('unlocked entries do not restrict M-mode; locked ones do', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, 0x2000n >> 2n);
    setCfg(pmp, 0, TOR); // no permissions
    expect(pmp.check(0x100, 8, ACCESS_STORE, PRIV_M)).toBe(true);
    expect(pmp.lockedActive).toBe(false);
    setCfg(pmp, 0, TOR | PMP_R | PMP_L);
    expect(pmp.lockedActive).toBe(true);
    expect(pmp.check(0x100, 8, ACCESS_LOAD, PRIV_M)).toBe(true);
    expect(pmp.check(0x100, 8, ACCESS_STORE, PRIV_M)).toBe(false);
    expect(pmp.check(0x100, 4, ACCESS_FETCH, PRIV_M)).toBe(false);
  });
});

describe('PMP locking (priv spec 3.7.1.3)', () => {
  it('a locked entry ignores writes to its cfg byte and pmpaddr, but not its neighbours', () => {
    const pmp = new Pmp();
    pmp.writeAddr(2, 0x100n);
    setCfg(pmp, 2, NA4 | PMP_R | PMP_L);
    setCfg(pmp, 2, NAPOT | RWX);
    pmp.writeAddr(2, 0x200n);
    expect(pmp.cfgOf(2)).toBe(NA4 | PMP_R | PMP_L);
    expect(pmp.readAddr(2)).toBe(0x100n);
    setCfg(pmp, 3, NA4 | PMP_X);
    expect(pmp.cfgOf(3)).toBe(NA4 | PMP_X);
    pmp.writeAddr(1, 0x300n); // entry 2 is NA4, not TOR: its lower neighbour stays writable
    expect(pmp.readAddr(1)).toBe(0x300n);
  });

  it('a locked TOR entry also freezes the pmpaddr below it (its lower bound)', () => {
    const pmp = new Pmp();
    pmp.writeAddr(4, 0x1000n);
    pmp.writeAddr(5, 0x2000n);
    setCfg(pmp, 5, TOR | PMP_R | PMP_L);
    pmp.writeAddr(4, 0n);
    expect(pmp.readAddr(4)).toBe(0x1000n);
    expect(pmp.check(0x3ffc, 4, ACCESS_LOAD, PRIV_S)).toBe(false);
    expect(pmp.check(0x4000, 4, ACCESS_LOAD, PRIV_S)).toBe(true);
  });

  it('only reset unlocks', () => {
    const pmp = new Pmp();
    setCfg(pmp, 0, NA4 | PMP_L);
    pmp.reset();
    setCfg(pmp, 0, NA4 | PMP_R);
    expect(pmp.cfgOf(0)).toBe(NA4 | PMP_R);
  });
});

describe('PMP page masks (what translation caches may rely on)', () => {
  it('gives the uniform permissions of a 4 KiB page, or 0 when PMP splits it', () => {
    const pmp = new Pmp();
    pmp.writeAddr(0, (0x8000_0000n | 0x7ffn) >> 2n); // 4 KiB at 0x8000_0000, read-only
    setCfg(pmp, 0, NAPOT | PMP_R);
    pmp.writeAddr(1, 0x8000_2010n >> 2n); // NA4 inside the next-but-one page
    setCfg(pmp, 1, NA4 | RWX);
    pmp.writeAddr(2, -1n);
    setCfg(pmp, 2, NAPOT | PMP_R | PMP_X);
    expect(pmp.pageAccessMask(0x8000_0000, PRIV_S)).toBe(1 << ACCESS_LOAD);
    expect(pmp.pageAccessMask(0x8000_1000, PRIV_U)).toBe((1 << ACCESS_LOAD) | (1 << ACCESS_FETCH));
    expect(pmp.pageAccessMask(0x8000_2000, PRIV_S)).toBe(0);
    // M-mode: unlocked entries grant everything, and so does no match.
    expect(pmp.pageAccessMask(0x8000_0000, PRIV_M)).toBe(7);
    expect(new Pmp().pageAccessMask(0, PRIV_M)).toBe(7);
    expect(new Pmp().pageAccessMask(0, PRIV_S)).toBe(0);
  });
});

describe('PMP snapshot', () => {
  it('restores configuration, locks included', () => {
    const a = new Pmp();
    a.writeAddr(0, 0x2000_0fffn);
    setCfg(a, 0, NAPOT | PMP_R | PMP_L);
    const b = new Pmp();
    b.restore(structuredClone(a.snapshot()));
    expect(b.readCfg(0)).toBe(a.readCfg(0));
    expect(b.readAddr(0)).toBe(0x2000_0fffn);
    expect(b.check(0x8000_0000, 4, ACCESS_STORE, PRIV_M)).toBe(false);
    expect(() => b.restore({ ...a.snapshot(), version: 2 as 1 })).toThrow(/version/);
  });
});
