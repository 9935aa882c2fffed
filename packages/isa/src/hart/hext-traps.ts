/**
 * Trap-related rules of the hypervisor extension (priv spec 8.6): which causes write a guest
 * virtual address to xtval (and so set hstatus.GVA / mstatus.GVA), and which carry a guest
 * physical address in htval / mtval2.
 */
import {
  CAUSE_BREAKPOINT, CAUSE_FETCH_ACCESS, CAUSE_FETCH_GUEST_PAGE_FAULT, CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_ACCESS,
  CAUSE_LOAD_GUEST_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_MISALIGNED_FETCH, CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, CAUSE_STORE_GUEST_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT,
} from './causes.js';

/**
 * Exceptions whose xtval is a virtual address (breakpoint, address misaligned, access fault, page
 * fault, guest-page fault): when raised by a V=1 access (or HLV/HSV) the address is a guest virtual
 * address and GVA is set (priv spec 8.2.1, 8.4.1).
 */
const GVA_CAUSES =
  (1 << CAUSE_MISALIGNED_FETCH) | (1 << CAUSE_FETCH_ACCESS) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_MISALIGNED_LOAD) |
  (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_MISALIGNED_STORE) | (1 << CAUSE_STORE_ACCESS) | (1 << CAUSE_FETCH_PAGE_FAULT) |
  (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT) | (1 << CAUSE_FETCH_GUEST_PAGE_FAULT) |
  (1 << CAUSE_LOAD_GUEST_PAGE_FAULT) | (1 << CAUSE_STORE_GUEST_PAGE_FAULT);

/** Data-access causes only: what a V=1 access made from M-mode through MPRV/MPV can raise. */
const DATA_GVA_CAUSES =
  GVA_CAUSES & ~((1 << CAUSE_MISALIGNED_FETCH) | (1 << CAUSE_FETCH_ACCESS) | (1 << CAUSE_BREAKPOINT) |
    (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_FETCH_GUEST_PAGE_FAULT));

export const gvaCause = (cause: number, dataOnly: boolean): boolean =>
  (((dataOnly ? DATA_GVA_CAUSES : GVA_CAUSES) >>> cause) & 1) === 1;

/** Guest-page faults: htval / mtval2 hold the guest physical address shifted right by 2 (8.2.8). */
export const isGuestPageFault = (cause: number): boolean =>
  cause === CAUSE_FETCH_GUEST_PAGE_FAULT || cause === CAUSE_LOAD_GUEST_PAGE_FAULT || cause === CAUSE_STORE_GUEST_PAGE_FAULT;
