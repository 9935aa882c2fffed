/**
 * A direct-mapped cache of VA page → the RAM page holding it, for one kind of access (fetch, load
 * or store) at the hart's current privilege and translation state — the hart's private "TLB" in
 * front of the Mmu, holding only pages that are RAM and uniformly permitted by PMP. Guest RAM is
 * kept in chunks (@vm/mmu RAM_CHUNK_SIZE), so an entry holds the chunk's views and the page's
 * offset in it, plus the page's index in RAM (the translator's key). Keys are the virtual page as
 * int32 halves (hi word, lo word with the low 12 bits cleared); cleared by writing a low word that
 * no page can have.
 */
const SIZE = 256;
const EMPTY = 1;
const NO_VIEW: DataView = new DataView(new ArrayBuffer(0));
const NO_BYTES: Uint8Array = new Uint8Array(0);

export class PageCache {
  private readonly tagHi: Int32Array;
  private readonly tagLo: Int32Array;
  /** Per entry: the page's byte offset in its chunk. */
  readonly off: Int32Array;
  /** Per entry: the page's index in RAM (offset from RAM's base / 4096). */
  readonly page: Int32Array;
  /** Per entry: the page's offset in the chunk's buffer (the arena offset when RAM has an arena). */
  readonly mem: Int32Array;
  /** Per entry: the chunk's views. */
  readonly views: DataView[] = new Array<DataView>(SIZE).fill(NO_VIEW);
  readonly bytes: Uint8Array[] = new Array<Uint8Array>(SIZE).fill(NO_BYTES);

  /**
   * `at`: keep the arrays in `at.buffer` from byte `at.offset` (5 KiB: tagHi, tagLo, off, page, mem,
   * 1 KiB each), where translated WebAssembly code reads them (jit/wasm/layout.ts).
   */
  constructor(at?: { readonly buffer: ArrayBuffer; readonly offset: number }) {
    const arr = (i: number): Int32Array => (at === undefined ? new Int32Array(SIZE) : new Int32Array(at.buffer, at.offset + i * 4 * SIZE, SIZE));
    this.tagHi = arr(0);
    this.tagLo = arr(1).fill(EMPTY);
    this.off = arr(2);
    this.page = arr(3);
    this.mem = arr(4);
  }

  /** The entry for the page containing (hi:lo), or -1. */
  lookup(lo: number, hi: number): number {
    const i = (lo >>> 12) & (SIZE - 1);
    return this.tagLo[i] === (lo & ~0xfff) && this.tagHi[i] === hi ? i : -1;
  }

  insert(lo: number, hi: number, offset: number, page: number, view: DataView, bytes: Uint8Array): void {
    const i = (lo >>> 12) & (SIZE - 1);
    this.tagLo[i] = lo & ~0xfff;
    this.tagHi[i] = hi;
    this.off[i] = offset;
    this.page[i] = page;
    this.mem[i] = view.byteOffset + offset;
    this.views[i] = view;
    this.bytes[i] = bytes;
  }

  clear(): void {
    this.tagLo.fill(EMPTY);
  }

  /**
   * Drop the pages of the naturally aligned 2^shift-byte region of virtual addresses that holds
   * (hi:lo), 12 <= shift <= 63 (a fence of one address: Hart.fenceAddress).
   */
  dropRegion(lo: number, hi: number, shift: number): void {
    const tagLo = this.tagLo;
    const tagHi = this.tagHi;
    for (let i = 0; i < SIZE; i++) {
      const same = shift < 32 ? tagHi[i] === hi && ((tagLo[i]! ^ lo) >>> shift) === 0 : ((tagHi[i]! ^ hi) >>> (shift - 32)) === 0;
      if (same) tagLo[i] = EMPTY;
    }
  }
}

export { NO_VIEW, NO_BYTES };
