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
const PROGRAMS = ['rv64i', 'rv64m', 'rv64a', 'rv64c', 'rv64fd', 'csr', 'traps', 'vm', 'pmp', 'hext', 'hgpf'];
/** Programs recorded on QEMU with `-cpu rv64,h=true`, run here with the H-extension enabled. */
const H_PROGRAMS = new Set(['hext', 'hgpf']);
/** Instructions per run() call and in total (the programs need well under 10 M). */
const SLICE = 1_000_000;
const LIMIT = 200_000_000;
const MAX_REPORTED = 20;

function runOnBoard(name: string): { output: string; end: string } {
  const file = join(DIR, `${name}.elf`);
  const bytes = new Uint8Array(readFileSync(file));
  const out: number[] = [];
  const m = new VirtMachine({ memory: 128 << 20, console: (b) => out.push(b), hExtension: H_PROGRAMS.has(name) });
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

/**
 * Line diff that resynchronises after inserted or missing lines (looks ahead up to 64 lines), so one
 * extra trap line does not turn every later line into a mismatch.
 */
function compare(expected: string, actual: string): { mismatches: string[]; count: number; lines: number } {
  const exp = expected.split('\n');
  const act = actual.split('\n');
  const mismatches: string[] = [];
  let count = 0;
  const note = (text: string): void => {
    count++;
    if (mismatches.length < MAX_REPORTED) mismatches.push(text);
  };
  let i = 0;
  let j = 0;
  while (i < exp.length || j < act.length) {
    if (i < exp.length && j < act.length && exp[i] === act[j]) {
      i++;
      j++;
      continue;
    }
    let resync: { di: number; dj: number } | undefined;
    for (let d = 1; d <= 64 && resync === undefined; d++) {
      if (i + d < exp.length && j < act.length && exp[i + d] === act[j]) resync = { di: d, dj: 0 };
      else if (j + d < act.length && i < exp.length && exp[i] === act[j + d]) resync = { di: 0, dj: d };
    }
    if (resync !== undefined && (resync.di > 0 || resync.dj > 0)) {
      for (let k = 0; k < resync.di; k++) note(`  qemu line ${i + k + 1} missing from ours:\n    qemu: ${exp[i + k]}`);
      for (let k = 0; k < resync.dj; k++) note(`  ours line ${j + k + 1} not in qemu's output:\n    ours: ${act[j + k]}`);
      i += resync.di;
      j += resync.dj;
      continue;
    }
    note(`  qemu line ${i + 1} / ours line ${j + 1}:\n    qemu: ${exp[i] ?? '<end of output>'}\n    ours: ${act[j] ?? '<end of output>'}`);
    i++;
    j++;
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
