/**
 * Differential ISA conformance: each program in conformance/ was run on QEMU 7.2
 * (`qemu-system-riscv64 -M virt -bios none -kernel X.elf`) and its UART output recorded in
 * conformance/expected/X.txt. Here the same ELF runs on our virt board and the outputs are
 * compared line by line. Our output is also written to conformance/actual/X.txt for diffing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { VirtMachine, bootVirt } from './index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance');
const PROGRAMS = ['rv64i', 'rv64m', 'rv64a', 'rv64c', 'rv64fd', 'csr', 'traps', 'vm', 'pmp'];
/** Instructions per run() call and in total (the programs need well under 10 M). */
const SLICE = 1_000_000;
const LIMIT = 200_000_000;
const MAX_REPORTED = 20;

function runOnBoard(name: string): { output: string; end: string } {
  const file = join(DIR, `${name}.elf`);
  const bytes = new Uint8Array(readFileSync(file));
  const out: number[] = [];
  const m = new VirtMachine({ memory: 128 << 20, console: (b) => out.push(b) });
  bootVirt(m, { kernel: { file, bytes } });
  let end = `no poweroff after ${LIMIT} instructions`;
  for (let ran = 0; ran < LIMIT; ran += SLICE) {
    let exit;
    try {
      exit = m.run(SLICE);
    } catch (e) {
      end = `emulator threw: ${e instanceof Error ? e.message : String(e)}`;
      break;
    }
    if (exit.reason === 'budget') continue;
    end = exit.reason === 'poweroff' ? `poweroff code ${exit.code}` : `stopped: ${exit.reason}`;
    break;
  }
  return { output: Buffer.from(out).toString('latin1'), end };
}

function compare(expected: string, actual: string): { mismatches: string[]; count: number; lines: number } {
  const exp = expected.split('\n');
  const act = actual.split('\n');
  const mismatches: string[] = [];
  let count = 0;
  const n = Math.max(exp.length, act.length);
  for (let i = 0; i < n; i++) {
    const e = exp[i];
    const a = act[i];
    if (e === a) continue;
    count++;
    if (mismatches.length < MAX_REPORTED) {
      mismatches.push(`  line ${i + 1}:\n    qemu: ${e ?? '<missing>'}\n    ours: ${a ?? '<missing>'}`);
    }
  }
  return { mismatches, count, lines: exp.length };
}

describe('ISA conformance against QEMU 7.2 (conformance/*.elf)', () => {
  for (const name of PROGRAMS) {
    const elf = join(DIR, `${name}.elf`);
    const expectedFile = join(DIR, 'expected', `${name}.txt`);
    const present = existsSync(elf) && existsSync(expectedFile);
    it.skipIf(!present)(name, { timeout: 300_000 }, () => {
      const expected = readFileSync(expectedFile, 'latin1');
      const { output, end } = runOnBoard(name);
      mkdirSync(join(DIR, 'actual'), { recursive: true });
      writeFileSync(join(DIR, 'actual', `${name}.txt`), output, 'latin1');
      const { mismatches, count, lines } = compare(expected, output);
      if (count > 0 || !end.startsWith('poweroff')) {
        throw new Error(
          `${name}: ${count} of ${lines} lines differ from QEMU (${end}); first ${mismatches.length}:\n` +
            `${mismatches.join('\n')}\n  (full output: conformance/actual/${name}.txt)`,
        );
      }
    });
  }
});
