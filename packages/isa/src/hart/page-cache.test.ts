/**
 * PageCache's fences: an SFENCE.VMA of one address drops the entries whose leaf maps it, by each
 * entry's own leaf size; clearing mstatus.SUM drops the entries filled while it was set. Its tag:
 * each regime finds only its own entries, and they outlive a visit to another regime.
 */
import { describe, expect, it } from 'vitest';
import { NO_BYTES, NO_VIEW, PageCache } from './page-cache.js';

const page = (n: number): number => n * 4096;

describe('PageCache fences', () => {
  it('drops a 4 KiB entry only for its own page, a superpage entry for any address in it', () => {
    const c = new PageCache();
    c.insert(page(1), 0, 0, 1, NO_VIEW, NO_BYTES, 0); // 4 KiB leaf
    c.insert(page(2), 0, 0, 2, NO_VIEW, NO_BYTES, 0); // 4 KiB leaf
    c.insert(page(515), 0, 0, 3, NO_VIEW, NO_BYTES, 1); // 2 MiB leaf: pages 512..1023
    c.insert(page(7), -1, 0, 4, NO_VIEW, NO_BYTES, 255); // unknown leaf (two stages)
    c.dropCovering(page(1) + 8, 0);
    expect(c.lookup(page(1), 0)).toBe(-1);
    expect(c.lookup(page(2), 0)).toBeGreaterThanOrEqual(0);
    expect(c.lookup(page(515), 0)).toBeGreaterThanOrEqual(0);
    // An address elsewhere in the 2 MiB leaf: that entry goes; so does the unknown one, every time.
    expect(c.lookup(page(7), -1)).toBe(-1);
    c.insert(page(7), -1, 0, 4, NO_VIEW, NO_BYTES, 255);
    c.dropCovering(page(1000), 0);
    expect(c.lookup(page(515), 0)).toBe(-1);
    expect(c.lookup(page(2), 0)).toBeGreaterThanOrEqual(0);
    expect(c.lookup(page(7), -1)).toBe(-1);
  });

  it('finds a superpage entry from any fenced address in it, also past a smaller superpage listed first', () => {
    const c = new PageCache();
    c.insert(page(1), 0, 0, 1, NO_VIEW, NO_BYTES, 0);
    c.insert(page(2), 0, 0, 2, NO_VIEW, NO_BYTES, 0);
    c.insert(page(515), 0, 0, 3, NO_VIEW, NO_BYTES, 1); // 2 MiB leaf: pages 512..1023
    c.insert(page(262_144 + 1000), 0, 0, 5, NO_VIEW, NO_BYTES, 1); // 2 MiB leaf at 1 GiB + 2 MiB
    c.insert(page(262_144 + 1001), 0, 0, 4, NO_VIEW, NO_BYTES, 2); // a 1 GiB leaf (another mapping) around it
    c.dropCovering(page(2), 0); // a 4 KiB page outside every superpage: its entry alone
    expect(c.lookup(page(2), 0)).toBe(-1);
    expect(c.lookup(page(1), 0)).toBeGreaterThanOrEqual(0);
    expect(c.lookup(page(515), 0)).toBeGreaterThanOrEqual(0);
    c.dropCovering(page(700), 0); // in the 2 MiB leaf, not its cached page
    expect(c.lookup(page(515), 0)).toBe(-1);
    expect(c.lookup(page(1), 0)).toBeGreaterThanOrEqual(0);
    c.dropCovering(page(262_144 + 100_000), 0); // in the 1 GiB leaf only
    expect(c.lookup(page(262_144 + 1001), 0)).toBe(-1);
    expect(c.lookup(page(262_144 + 1000), 0)).toBeGreaterThanOrEqual(0);
  });

  it('drops what was filled under SUM, and nothing else', () => {
    const c = new PageCache();
    c.insert(page(1), 0, 0, 1, NO_VIEW, NO_BYTES, 0, true);
    c.insert(page(2), 0, 0, 2, NO_VIEW, NO_BYTES, 0, false);
    c.dropSumFilled();
    expect(c.lookup(page(1), 0)).toBe(-1);
    expect(c.lookup(page(2), 0)).toBeGreaterThanOrEqual(0);
  });

  it('finds an entry only under the tag it was filled under, and again after another tag', () => {
    const tag = new Int32Array(1);
    const c = new PageCache(undefined, tag);
    tag[0] = 18; // S-mode
    c.insert(page(3), 0, 0, 3, NO_VIEW, NO_BYTES, 0);
    tag[0] = 0; // U-mode: not S's entry; its own goes in beside it (another page)
    expect(c.lookup(page(3), 0)).toBe(-1);
    c.insert(page(4), 0, 0, 4, NO_VIEW, NO_BYTES, 0);
    tag[0] = 18;
    expect(c.page[c.lookup(page(3), 0)]).toBe(3);
    expect(c.lookup(page(4), 0)).toBe(-1);
    // A fence drops an address's entries under every tag; clear drops all.
    c.dropCovering(page(3), 0);
    expect(c.lookup(page(3), 0)).toBe(-1);
    tag[0] = 0;
    expect(c.lookup(page(4), 0)).toBeGreaterThanOrEqual(0);
    c.clear();
    expect(c.lookup(page(4), 0)).toBe(-1);
  });
});
