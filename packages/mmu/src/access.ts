/** Kind of memory access, as the privileged spec distinguishes them for faults (priv spec 3.7.1). */
export const ACCESS_FETCH = 0;
export const ACCESS_LOAD = 1;
export const ACCESS_STORE = 2;
export type AccessType = typeof ACCESS_FETCH | typeof ACCESS_LOAD | typeof ACCESS_STORE;

/** Privilege levels as encoded in mstatus.MPP (priv spec 1.2). */
export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

/** Exception causes the MMU reports (priv spec table 3.6). */
export const CAUSE_FETCH_ACCESS = 1;
export const CAUSE_LOAD_ACCESS = 5;
export const CAUSE_STORE_ACCESS = 7;
export const CAUSE_FETCH_PAGE_FAULT = 12;
export const CAUSE_LOAD_PAGE_FAULT = 13;
export const CAUSE_STORE_PAGE_FAULT = 15;

/** One-hot mask of an access type (fetch 1, load 2, store 4): the TLB and PMP permission masks use it. */
export const accessBit = (access: AccessType): number => 1 << access;

/** Access-fault cause for a failed PMP/PMA check of an access of this type (priv spec table 3.6). */
export function accessFaultCause(access: AccessType): number {
  return access === ACCESS_FETCH ? CAUSE_FETCH_ACCESS : access === ACCESS_LOAD ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS;
}

/** Page-fault cause for a failed translation of an access of this type (priv spec 4.3.2). */
export function pageFaultCause(access: AccessType): number {
  return access === ACCESS_FETCH
    ? CAUSE_FETCH_PAGE_FAULT
    : access === ACCESS_LOAD
      ? CAUSE_LOAD_PAGE_FAULT
      : CAUSE_STORE_PAGE_FAULT;
}

/**
 * Physical addresses are carried as JS numbers: exact below 2^53. RV64 physical addresses go up to
 * 2^56 (Sv39/Sv48 PPNs are 44 bits), but nothing is mapped that high, so an address at or above this
 * limit is an access fault (priv spec 3.6: accesses to no memory fail the PMA check).
 */
export const PA_LIMIT = 2 ** 53;

/** Guest-page-fault causes of the hypervisor extension (priv spec 8.6.1, table 8.7). */
export const CAUSE_FETCH_GUEST_PAGE_FAULT = 20;
export const CAUSE_LOAD_GUEST_PAGE_FAULT = 21;
export const CAUSE_STORE_GUEST_PAGE_FAULT = 23;

/** Guest-page-fault cause for a failed G-stage translation of an access of this type (priv spec 8.5.1). */
export function guestPageFaultCause(access: AccessType): number {
  return access === ACCESS_FETCH
    ? CAUSE_FETCH_GUEST_PAGE_FAULT
    : access === ACCESS_LOAD
      ? CAUSE_LOAD_GUEST_PAGE_FAULT
      : CAUSE_STORE_GUEST_PAGE_FAULT;
}
