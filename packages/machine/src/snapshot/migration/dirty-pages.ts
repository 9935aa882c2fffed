import { PAGE_SIZE } from './frames.js';

const BLOCK = 64 * 1024;

/**
 * Finds the guest pages that changed since they were last sent, by comparing RAM with a copy of
 * what the receiver holds (the hart writes RAM directly, so there is no write barrier to hook).
 * The copy starts zeroed, as the receiver's RAM does: the first round sends every nonzero page.
 */
export class DirtyPageTracker {
  private readonly sent: Uint8Array;

  constructor(private readonly ram: Uint8Array) {
    this.sent = new Uint8Array(ram.length);
  }

  /** Indexes of pages that differ from the last sent copy; the copy is updated to match (they count as sent). */
  collect(): number[] {
    const dirty: number[] = [];
    const ram = Buffer.from(this.ram.buffer, this.ram.byteOffset, this.ram.length);
    const sent = Buffer.from(this.sent.buffer, this.sent.byteOffset, this.sent.length);
    for (let b = 0; b < ram.length; b += BLOCK) {
      const end = Math.min(ram.length, b + BLOCK);
      if (ram.compare(sent, b, end, b, end) === 0) continue;
      for (let p = b; p < end; p += PAGE_SIZE) {
        if (ram.compare(sent, p, p + PAGE_SIZE, p, p + PAGE_SIZE) !== 0) {
          dirty.push(p / PAGE_SIZE);
          this.sent.set(this.ram.subarray(p, p + PAGE_SIZE), p);
        }
      }
    }
    return dirty;
  }

  /** The contents sent for a page (valid right after collect()). */
  page(index: number): Uint8Array {
    return this.sent.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
  }
}
