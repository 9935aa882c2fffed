import { describe, expect, it } from 'vitest';
import { SbiServer } from './sbi-server.js';
import { EID_BASE, EID_VMPV } from './sbi-ids.js';
import { SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM } from './sbi-error.js';
import { PV_CMD_NEW_BASEPTR, PV_CMD_PT_REGISTER, PV_CMD_PT_RELEASE, PV_CMD_PT_UPDATE, PV_CMD_TLB_FLUSH } from './pv-mmu.js';
import type { PvMmuBackend } from './pv-page-tables.js';
import { FakePlatform, RAM_BASE } from './test-support/fake-platform.js';

const ROOT = RAM_BASE + 0x1_0000;
const L1 = RAM_BASE + 0x2_0000;
const L0 = RAM_BASE + 0x3_0000;
const BATCH = RAM_BASE + 0x8_0000;
const V = 1n;
const RWXUAD = 0xden | (1n << 4n);
const table = (pa: number) => (BigInt(pa / 4096) << 10n) | V;
const leaf = (pa: number) => (BigInt(pa / 4096) << 10n) | RWXUAD | V;

function setup() {
  const log: string[] = [];
  const backend: PvMmuBackend = {
    invalidatePage: (root, va) => void log.push(`page ${root.toString(16)} ${va.toString(16)}`),
    invalidateSpace: (root) => void log.push(`space ${root.toString(16)}`),
    invalidateAll: () => void log.push('all'),
    flushTlb: (va, asid) => void log.push(`flush ${va?.toString(16) ?? '*'} ${asid ?? '*'}`),
    setSatp: (satp) => void log.push(`satp ${satp.toString(16)}`),
  };
  const p = new FakePlatform();
  const sbi = new SbiServer(p, { pvMmu: backend });
  const call = (fid: number, ...args: (bigint | number)[]) => sbi.call({ eid: EID_VMPV, fid, args: args.map((a) => BigInt(a)) }).ret;
  const batch = (entries: [bigint | number, bigint][]) => {
    entries.forEach(([ptr, val], i) => {
      p.memory.write64(BATCH + 16 * i, BigInt(ptr));
      p.memory.write64(BATCH + 16 * i + 8, val);
    });
    return call(2, BATCH, entries.length);
  };
  return { p, sbi, log, call, batch };
}

describe('PV-MMU hypercalls (EID 0x0A564D50)', () => {
  it('is advertised by probe_extension when the hypervisor gives a back end', () => {
    const { sbi } = setup();
    expect(sbi.call({ eid: EID_BASE, fid: 3, args: [BigInt(EID_VMPV)] }).ret.value).toBe(1n);
  });

  it('mmu_update writes PTEs into guest memory; invalid->valid invalidates nothing, a changed leaf its page', () => {
    const { p, log, call, batch } = setup();
    expect(call(0, ROOT, 3).error).toBe(0);
    // VA 0x20_0000_1000: root[128] -> L1[0] -> L0[1]
    expect(batch([[ROOT + 128 * 8, table(L1)], [L1, table(L0)], [L0 + 8, leaf(RAM_BASE + 0x5000)]])).toEqual({ error: 0, value: 3n });
    expect(p.memory.read64(L0 + 8)).toBe(leaf(RAM_BASE + 0x5000));
    expect(log).toEqual([]);
    expect(batch([[L0 + 8, leaf(RAM_BASE + 0x6000)]]).error).toBe(0);
    expect(log).toEqual([`page ${ROOT.toString(16)} 2000001000`]);
    log.length = 0;
    // Changing a table pointer drops the whole tree's translations.
    expect(batch([[ROOT + 128 * 8, 0n]]).error).toBe(0);
    expect(log).toEqual([`space ${ROOT.toString(16)}`]);
  });

  it('validates: PTE address outside RAM or misaligned, bad command, oversized batch', () => {
    const { call, batch } = setup();
    expect(batch([[0x1000, 1n]])).toEqual({ error: SBI_ERR_INVALID_ADDRESS, value: 0n });
    expect(batch([[ROOT, 0n], [ROOT + 5, 0n]])).toEqual({ error: SBI_ERR_INVALID_PARAM, value: 1n }); // command 5: none
    expect(batch([[ROOT + 7, 0n]]).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(2, 0x10, 1).error).toBe(SBI_ERR_INVALID_ADDRESS);
    expect(call(2, BATCH, 5000).error).toBe(SBI_ERR_INVALID_PARAM);
    expect(call(0, ROOT + 8, 3).error).toBe(SBI_ERR_INVALID_ADDRESS);
  });

  it('batches register / release / new base pointer / flush; tlb_flush hypercall', () => {
    const { log, call, batch } = setup();
    const r = batch([
      [ROOT + PV_CMD_PT_REGISTER, 3n],
      [ROOT + PV_CMD_PT_UPDATE, leaf(RAM_BASE)],
      [PV_CMD_NEW_BASEPTR, (8n << 60n) | BigInt(ROOT / 4096)],
      [0x4000 + PV_CMD_TLB_FLUSH, 0n],
      [ROOT + PV_CMD_PT_RELEASE, 0n],
    ]);
    expect(r).toEqual({ error: 0, value: 5n });
    expect(log).toEqual([`satp 8000000000080010`, 'flush 4000 *', `space ${ROOT.toString(16)}`]);
    log.length = 0;
    expect(call(3, 0, 0, 1).error).toBe(0);
    expect(call(3, 0x5000, 2, 0).error).toBe(0);
    expect(log).toEqual(['flush * *', 'flush 5000 2']);
  });

  it('an update to an unregistered table invalidates everything', () => {
    const { log, batch } = setup();
    expect(batch([[L0, leaf(RAM_BASE)]]).error).toBe(0);
    expect(log).toEqual(['all']);
  });
});
