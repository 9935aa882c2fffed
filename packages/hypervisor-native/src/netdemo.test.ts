import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VmExit } from '@vm/core';
import { NetLink, VirtioNet, type VirtioNetStats } from '@vm/devices';
import { bootVirt, VirtMachine } from '@vm/machine';
import { NativeHypervisor } from './hypervisor.js';

// guests/netdemo: a pinger (MAC ...:01) and an echoer exchange 16 frames over virtio-net.
const root = new URL('../../../', import.meta.url).pathname;
const kernel = { file: 'netdemo.elf', bytes: readFileSync(root + 'guests/netdemo/netdemo.elf') };
const PINGER = '02:00:00:00:00:01';
const ECHOER = '02:00:00:00:00:02';
const NET_LINE = /NET ping 16\/16 ok crc=0x[0-9a-f]{8}/;

/** The pinger and the echoer on two bare virt boards, each run 20 000 instructions in turn. */
function bareBoards(): { consoles: string[]; exits: (VmExit | undefined)[]; stats: VirtioNetStats[] } {
  const [a, b] = NetLink.pair();
  const boards = [
    { mac: PINGER, end: a },
    { mac: ECHOER, end: b },
  ].map(({ mac, end }) => {
    const out: number[] = [];
    const m = new VirtMachine({ memory: 16 << 20, console: (c) => out.push(c) });
    const nic = new VirtioNet({ backend: end, mac });
    m.addVirtio(nic);
    bootVirt(m, { kernel });
    return { m, nic, out, exit: undefined as VmExit | undefined };
  });
  for (let i = 0; i < 2000 && boards.some((x) => x.exit === undefined); i++) {
    for (const x of boards) {
      if (x.exit !== undefined) continue;
      const e = x.m.run(20_000);
      if (e.reason !== 'budget') x.exit = e;
    }
  }
  return { consoles: boards.map((x) => Buffer.from(x.out).toString('latin1')), exits: boards.map((x) => x.exit), stats: boards.map((x) => ({ ...x.nic.stats })) };
}

describe('netdemo: two guests joined by virtio-net over NetLink.pair()', () => {
  it('on two bare virt boards run alternately in slices', () => {
    const { consoles, exits, stats } = bareBoards();
    expect(consoles[0]).toMatch(NET_LINE);
    expect(consoles[1]).toContain('NET echo 16 frames');
    expect(exits).toEqual([{ reason: 'poweroff', code: 0 }, { reason: 'poweroff', code: 0 }]);
    expect(stats).toEqual([{ txFrames: 16, rxFrames: 16, rxDropped: 0 }, { txFrames: 16, rxFrames: 16, rxDropped: 0 }]);
  });

  it('on the native hypervisor: two VMs in virtual M-mode, the same line', () => {
    const [a, b] = NetLink.pair();
    const hv = new NativeHypervisor({ memory: 48 << 20 });
    const ping = hv.createVm({ name: 'pinger', memory: 16 << 20, kernel, sbi: 'firmware', devices: [new VirtioNet({ backend: a, mac: PINGER })] });
    const echo = hv.createVm({ name: 'echoer', memory: 16 << 20, kernel, sbi: 'firmware', devices: [new VirtioNet({ backend: b, mac: ECHOER })] });
    let r = hv.run(10_000_000);
    for (let i = 0; i < 20 && r.reason === 'budget'; i++) r = hv.run(10_000_000);
    expect(r.reason).toBe('stopped');
    expect(ping.console).toMatch(NET_LINE);
    expect(echo.console).toContain('NET echo 16 frames');
    expect([ping.exitStatus, echo.exitStatus]).toEqual([0, 0]);
    // The same line as on bare metal (the CRC covers every echoed payload).
    expect(NET_LINE.exec(ping.console)?.[0]).toBe(NET_LINE.exec(bareBoards().consoles[0]!)?.[0]);
    // Setup, 2 QueueNotify exits per frame (transmit, receive refill) and the UART: a few hundred.
    for (const vm of [ping, echo]) expect(vm.stats.exits('mmio')).toBeLessThan(300);
  });
});
