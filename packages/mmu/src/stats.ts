/**
 * Counters for the translation path. `pteReads` and `pteWrites` are the page-walk memory
 * references (what a benchmark of the MMU wants to count); hits and misses are per translate()
 * call made at S/U privilege (M-mode accesses are never translated and are not counted).
 */
export class MmuStats {
  walks = 0;
  pteReads = 0;
  pteWrites = 0;
  tlbHits = 0;
  tlbMisses = 0;
  flushes = 0;

  reset(): void {
    this.walks = 0;
    this.pteReads = 0;
    this.pteWrites = 0;
    this.tlbHits = 0;
    this.tlbMisses = 0;
    this.flushes = 0;
  }
}
