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
