import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machine, RAM_BASE } from './test-support/machine.js';

const FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';

describe.skipIf(!existsSync(FW))('OpenSBI fw_jump smoke (no board, no FDT)', () => {
  it('runs 2M instructions without a host exception', () => {
    const m = machine([], 128 << 20);
    m.ram.load(RAM_BASE, new Uint8Array(readFileSync(FW)));
    m.hart.x[10] = 0n;
    m.hart.x[11] = 0n;
    let executed = 0;
    let wfis = 0;
    while (executed < 2_000_000) {
      const before = m.hart.retired;
      const exit = m.hart.run(100_000);
      executed += 100_000;
      if (exit.reason === 'wfi') {
        wfis++;
        m.clock.ticks += 100_000n;
        if (wfis > 100) break;
      }
      expect(m.hart.retired).toBeGreaterThanOrEqual(before);
    }
    expect(m.hart.retired).toBeGreaterThan(1000);
  });
});
