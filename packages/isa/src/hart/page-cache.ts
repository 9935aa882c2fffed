/**
 * A direct-mapped cache of VA page → RAM byte offset, for one kind of access (fetch, load or
 * store) at the hart's current privilege and translation state — the hart's private "TLB" in front
 * of the Mmu, holding only pages that are RAM and uniformly permitted by PMP. Keys are the virtual
 * page as int32 halves (hi word, lo word with the low 12 bits cleared); cleared by writing a low
 * word that no page can have.
 */
const SIZE = 256;
const EMPTY = 1;

export class PageCache {
  private readonly tagHi = new Int32Array(SIZE);
  private readonly tagLo = new Int32Array(SIZE).fill(EMPTY);
  private readonly off = new Int32Array(SIZE);

  /** RAM byte offset of the page containing (hi:lo), or -1. */
  lookup(lo: number, hi: number): number {
    const i = (lo >>> 12) & (SIZE - 1);
    return this.tagLo[i] === (lo & ~0xfff) && this.tagHi[i] === hi ? this.off[i] : -1;
  }

  insert(lo: number, hi: number, offset: number): void {
    const i = (lo >>> 12) & (SIZE - 1);
    this.tagLo[i] = lo & ~0xfff;
    this.tagHi[i] = hi;
    this.off[i] = offset;
  }

  clear(): void {
    this.tagLo.fill(EMPTY);
  }
}
