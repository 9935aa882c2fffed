import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test support: run the GNU cross binutils (riscv64-unknown-elf-*) when installed and parse
 * `objdump -d` output. Used only by tests; CI installs binutils-riscv64-unknown-elf.
 */

export const OBJDUMP = 'riscv64-unknown-elf-objdump';
export const AS = 'riscv64-unknown-elf-as';
export const STRIP = 'riscv64-unknown-elf-strip';

export function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ObjdumpLine {
  address: bigint;
  /** The hex column as printed (halfword/word groups). */
  hex: string;
  mnemonic: string;
  /** Operands with whitespace normalized and `# ...`/`<symbol>` comments removed. */
  operands: string;
}

/** Normalize an operand string for comparison: drop comments and `<symbol>` annotations. */
export function normalizeOperands(ops: string): string {
  return ops
    .replace(/\s*#.*$/, '')
    .replace(/\s*<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const LINE = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(\S+)(?:\t(.*))?$/;

/** The instruction lines of `objdump -d` output. */
export function parseObjdump(text: string): ObjdumpLine[] {
  const out: ObjdumpLine[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ address: BigInt('0x' + m[1]), hex: m[2], mnemonic: m[3], operands: normalizeOperands(m[4] ?? '') });
  }
  return out;
}

export function objdump(file: string): string {
  return execFileSync(OBJDUMP, ['-d', file], { maxBuffer: 1 << 28, encoding: 'utf8' });
}

/** Run `fn` with a fresh temporary directory, removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vm-isa-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Disassemble raw parcels with objdump under `-march` (the ELF attribute selects the ISA;
 * symbols are stripped so no mapping symbols turn the words into data).
 */
export function objdumpWords(words: { value: number; length: 2 | 4 }[], march = 'rv64gch'): ObjdumpLine[] {
  return withTempDir((dir) => {
    const src = words.map((w) => (w.length === 2 ? `.2byte 0x${w.value.toString(16)}` : `.4byte 0x${w.value.toString(16)}`));
    writeFileSync(join(dir, 'w.s'), '.text\n' + src.join('\n') + '\n');
    execFileSync(AS, [`-march=${march}`, '-o', join(dir, 'w.o'), join(dir, 'w.s')]);
    execFileSync(STRIP, ['-o', join(dir, 's.o'), join(dir, 'w.o')]);
    return parseObjdump(objdump(join(dir, 's.o')));
  });
}
