import type { Ram } from '@vm/mmu';
import { PAGE_SIZE } from './frames.js';

const BLOCK = 64 * 1024;

/**
 * Finds the guest pages that changed since they were last sent, by comparing RAM with a copy of
 * what the receiver holds (the hart writes RAM directly, so there is no write barrier to hook).
 * The copy starts zeroed, as the receiver's RAM does: the first round sends every nonzero page.
 * Only RAM's committed stretches are compared (the rest is zero, as the receiver's is), and the
 * copy is kept for those stretches only.
 */
export class DirtyPageTracker {
  /** Copies of committed stretches, by their offset from RAM's base (stretches only grow or appear). */
  private readonly sent = new Map<number, Buffer>();
  private readonly pages = new Map<number, Buffer>();

  constructor(private readonly ram: Ram) {}

  /** Indexes of pages that differ from the last sent copy; the copy is updated to match (they count as sent). */
  collect(): number[] {
    const dirty: number[] = [];
    const ram = this.ram;
    for (const [from, length] of ram.committedRanges()) {
      // Compare block by block (BLOCK divides RAM_CHUNK_SIZE; stretches are 4 KiB-aligned).
      for (let b = from; b < from + length; b += BLOCK) {
        const end = Math.min(from + length, b + BLOCK - (b % BLOCK));
        const now = Buffer.from(ram.copyOut(ram.base + b, end - b));
        const key = b - (b % BLOCK);
        let was = this.sent.get(key);
        if (was === undefined) {
          was = Buffer.alloc(BLOCK);
          this.sent.set(key, was);
        }
        const at = b - key;
        if (now.compare(was, at, at + now.length) === 0) continue;
        for (let p = 0; p < now.length; p += PAGE_SIZE) {
          if (now.compare(was, at + p, at + p + PAGE_SIZE, p, p + PAGE_SIZE) !== 0) {
            const index = (b + p) / PAGE_SIZE;
            dirty.push(index);
            now.copy(was, at + p, p, p + PAGE_SIZE);
            this.pages.set(index, was.subarray(at + p, at + p + PAGE_SIZE));
          }
        }
      }
    }
    return dirty;
  }

  /** The contents sent for a page (valid right after collect()). */
  page(index: number): Uint8Array {
    const p = this.pages.get(index);
    if (p !== undefined) return p;
    return new Uint8Array(PAGE_SIZE);
  }
}
