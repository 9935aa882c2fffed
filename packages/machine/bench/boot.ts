/**
 * Time from power-on to U-Boot's prompt: Debian's OpenSBI (fw_jump) + U-Boot S-mode on a 256 MiB
 * virt board, here and on qemu-system-riscv64 (when installed), same files. A key is sent when
 * U-Boot offers to stop autoboot, as a person would, and the clock stops at the `=>` prompt.
 *
 *   npx tsx --conditions=@vm/source packages/machine/bench/boot.ts [runs]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bootVirt, VirtMachine } from '../src/index.js';
import { ScriptedConsole } from '../src/test-support/scripted-console.js';
import { FIRMWARE, file } from '../src/test-support/firmware.js';

const runs = Number(process.argv[2] ?? 3);

function ours(): { seconds: number; instructions: number } {
  const t0 = process.hrtime.bigint();
  const con = new ScriptedConsole();
  const m = new VirtMachine({ memory: 256 << 20, console: con.sink });
  con.attach(m);
  bootVirt(m, { bios: file(FIRMWARE.fwJump), kernel: file(FIRMWARE.ubootS) });
  con.expect('Hit any key to stop autoboot');
  con.type(' ');
  con.expect('=> ');
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, instructions: m.retired };
}

function qemu(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('qemu-system-riscv64', ['-M', 'virt', '-m', '256M', '-nographic', '-bios', FIRMWARE.fwJump, '-kernel', FIRMWARE.ubootS]);
    let out = '';
    let keyed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (!keyed && out.includes('Hit any key')) {
        keyed = true;
        p.stdin.write(' ');
      }
      if (keyed && out.includes('=> ')) {
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        p.kill();
        resolve(s);
      }
    });
    p.on('error', reject);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mine: number[] = [];
let instructions = 0;
for (let i = 0; i < runs; i++) {
  const r = ours();
  mine.push(r.seconds);
  instructions = r.instructions;
}
console.log(`vm:   OpenSBI + U-Boot prompt in ${median(mine).toFixed(2)} s (median of ${runs}; ${instructions} instructions, ${(instructions / median(mine) / 1e6).toFixed(1)} MIPS)`);
if (existsSync('/usr/bin/qemu-system-riscv64')) {
  const q: number[] = [];
  for (let i = 0; i < runs; i++) q.push(await qemu());
  console.log(`qemu: OpenSBI + U-Boot prompt in ${median(q).toFixed(2)} s (median of ${runs})`);
}
