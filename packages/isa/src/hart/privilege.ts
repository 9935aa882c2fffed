/** Privilege levels as encoded in mstatus.MPP, sstatus.SPP and dcsr.prv (priv spec 1.2, table 1.1). */
export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;
