import { describe, expect, it } from 'vitest';
import { VirtMachine } from '../virt.js';
import { captureHart } from './hart-state.js';
import { restoreMachine } from './rebuild.js';
import { decodeSnapshot, encodeSnapshot } from './vmsnap-format.js';

describe('hypervisor-extension state', () => {
  it('travels with the hart through a .vmsnap image, V=1 included', () => {
    const m = new VirtMachine({ memory: 2 << 20, hExtension: true, console: () => {} });
    const h = m.harts[0]!;
    h.setState({
      ...h.getState(),
      hstatus: 0x80,
      hgatp: (8n << 60n) | 0x1234n,
      vsatp: (8n << 60n) | 0x42n,
      vsstatus: 1 << 18,
      htimedelta: -5n & ((1n << 64n) - 1n),
      mpv: true,
      priv: 1,
      virt: true,
    });
    const before = captureHart(h).hext;
    const s = decodeSnapshot(Buffer.concat(encodeSnapshot(m.snapshot())), 'mem');
    const { machine } = restoreMachine(s, { console: () => {} });
    const r = machine.harts[0]!;
    expect(captureHart(r).hext).toEqual(before);
    expect(r.virt).toBe(true);
    expect(r.mmu.virt).toBe(true);
    expect(r.mmu.vsum).toBe(true);
    expect(r.priv).toBe(1);
  });
});
