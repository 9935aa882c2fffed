import * as Mmu from '@vm/mmu';
import { describe, expect, it } from 'vitest';
import { CSR_NUMBERS } from '../asm/csr-names.js';
import * as Isa from '../index.js';
import * as C from './csr-numbers.js';

describe('architectural constants exported by @vm/isa', () => {
  it('every CSR_ number matches the assembler name table', () => {
    const entries = Object.entries(C);
    expect(entries.length).toBeGreaterThan(50);
    for (const [name, value] of entries) {
      expect([name, CSR_NUMBERS.get(name.slice('CSR_'.length).toLowerCase())]).toEqual([name, value]);
    }
  });

  it('@vm/mmu, which cannot import @vm/isa, declares the same privilege and cause values', () => {
    const shared = Object.keys(Mmu).filter((k) => /^(PRIV|CAUSE)_/.test(k));
    expect(shared.length).toBeGreaterThan(0);
    for (const name of shared) {
      expect([name, (Isa as Record<string, unknown>)[name]]).toEqual([name, (Mmu as Record<string, unknown>)[name]]);
    }
  });

  it('mip bits are the interrupt numbers', () => {
    expect(Isa.MIP_SSIP).toBe(1n << 1n);
    expect(Isa.MIP_MTIP).toBe(1n << 7n);
    expect(Isa.MIP_SGEIP).toBe(1n << 12n);
  });
});
