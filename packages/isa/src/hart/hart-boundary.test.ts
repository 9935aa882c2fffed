/**
 * The hart's state is written only inside @vm/isa (issue 12): other packages go through
 * setState/enter/setPc/setX/setF/setRegisters/setSatp/addRetired/writeCsr, so the caches derived
 * from the state are rebuilt in one place (Hart.rederive). And no package declares its own
 * CSR numbers, privilege levels or causes: @vm/isa exports them.
 *
 * These scan the other packages' non-test sources. A receiver counts as a hart when its last
 * name ends in `hart` (`hart`, `this.hart`, `vm.vhart.hart`), is `real` (the vCPUs' name for
 * the physical hart), or is a variable the same file declares as a Hart (`x: Hart`, `= new
 * Hart(`, `= ….hart`). @vm/mmu is left out: it sits below @vm/isa and keeps its own mirrors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HART_STATE_FIELDS } from './hart-state.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Fields a host must not assign: the state, plus what is derived from it. */
const FIELDS = [
  ...HART_STATE_FIELDS.filter((f) => f !== 'x' && f !== 'f'),
  'sstcPending', 'vstcPending', 'pcLo', 'pcHi', 'blockRetired', 'cycleFrozen', 'instretFrozen',
];
const ASSIGN = String.raw`\s*(?:[-+*/|&^]|<<|>>>?)?=(?!=)`;
const WRITE = new RegExp(
  String.raw`([A-Za-z_$][\w$]*)\s*\.\s*(?:` +
    String.raw`(?:${FIELDS.join('|')})${ASSIGN}|(?:${FIELDS.join('|')})\s*(?:\+\+|--)|` +
    String.raw`[xf]\s*\[[^\]]*\]${ASSIGN}|[xf]\s*\.\s*(?:set|fill|copyWithin)\s*\(|fp\s*\.\s*(?:fflags|frm)${ASSIGN})`,
  'g',
);
const HART_DECL = /\b([A-Za-z_$][\w$]*)\s*(?::\s*Hart\b|=\s*new\s+Hart\s*\(|=\s*(?:[\w$]+\.)*[\w$]*hart\s*[;,)\n])/gi;

/** `file:line: text` for each write to a hart's state in one source file. */
export function hartWrites(file: string, text: string): string[] {
  const harts = new Set(['real']);
  for (const m of text.matchAll(HART_DECL)) harts.add(m[1]!);
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const m of line.matchAll(WRITE)) {
      const recv = m[1]!;
      if (/hart$/i.test(recv) || harts.has(recv)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    }
  });
  return out;
}

const CONSTANT_DECL = /^\s*(?:export\s+)?const\s+((?:CSR|PRIV|CAUSE|IRQ|MIP|MSTATUS|SSTATUS|HSTATUS)_\w+)\s*(?::[^=]+)?=\s*[-(\d]/;
const CSR_LITERAL = /\b(?:read|write)Csr\s*\(\s*(?:0x[\da-f]+|\d+)\b/i;

/** `file:line: text` for each architectural constant a source declares itself. */
export function ownConstants(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (CONSTANT_DECL.test(line) || CSR_LITERAL.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.ts$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name) && !p.includes('test-support')) out.push(p);
  }
  return out;
}

function otherPackages(): string[] {
  const dirs: string[] = [];
  for (const top of ['packages', 'apps']) {
    for (const e of readdirSync(join(ROOT, top), { withFileTypes: true })) {
      if (!e.isDirectory() || (top === 'packages' && (e.name === 'isa' || e.name === 'mmu'))) continue;
      dirs.push(join(ROOT, top, e.name));
    }
  }
  return dirs.flatMap(sources);
}

function scan(check: (file: string, text: string) => string[]): string[] {
  return otherPackages().flatMap((p) => check(relative(ROOT, p), readFileSync(p, 'utf8')));
}

describe('the hart boundary', () => {
  it('finds direct writes to a hart (the scanner itself)', () => {
    const src = [
      'const v = this.hart;',
      'function f(h: Hart, ctx: Ctx) {',
      '  h.satp = 5n;',
      '  vm.vhart.hart.pc = 4n;',
      '  real.x[10] = 0n;',
      '  v.fp.frm = 1;',
      '  v.x.set(other);',
      '  h.retired += 3;',
      '  ctx.pc = 4n;',
      '  ctx.x[1] = 2n;',
      '  if (h.satp === 5n) h.setPc(1n);',
      '}',
    ].join('\n');
    expect(hartWrites('a.ts', src).map((l) => l.split(':')[1])).toEqual(['3', '4', '5', '6', '7', '8']);
  });

  it('no package outside @vm/isa writes hart fields directly', () => {
    expect(scan(hartWrites)).toEqual([]);
  });

  it('finds constants a package declares itself (the scanner itself)', () => {
    const src = ['const CSR_SATP = 0x180;', 'export const PRIV_U = 0;', "import { CSR_SATP } from '@vm/isa';", 'h.readCsr(0x180);', 'h.readCsr(CSR_SATP);'];
    expect(ownConstants('a.ts', src.join('\n')).map((l) => l.split(':')[1])).toEqual(['1', '2', '4']);
  });

  it('no package outside @vm/isa (and @vm/mmu below it) declares CSR numbers, privileges or causes', () => {
    expect(scan(ownConstants)).toEqual([]);
  });
});
