import { ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE, PRIV_U, accessBit, type AccessType } from './access.js';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_W, PTE_X } from './pte.js';

/**
 * Leaf permission check of priv spec 4.3.2 step 5 (and 4.3.1 for what R/W/X/U mean, 3.1.6.3 for
 * SUM and MXR). A/D are not considered here: they are step 7. The same rules serve the VS-stage
 * (with vsstatus.SUM/MXR, 8.2.11) and the G-stage (checked as U-mode, 8.5.1). `execRead` is HLVX
 * (8.3.1): a load that needs execute permission instead of read permission.
 */
export function leafAllows(
  flags: number, access: AccessType, priv: number, sum: boolean, mxr: boolean, execRead = false,
): boolean {
  const user = (flags & PTE_U) !== 0;
  if (priv === PRIV_U) {
    if (!user) return false;
  } else if (user) {
    // S-mode may never execute from a U page; it may load/store one only with SUM=1.
    if (access === ACCESS_FETCH || !sum) return false;
  }
  if (access === ACCESS_FETCH || execRead) return (flags & PTE_X) !== 0;
  // MXR makes executable pages readable as well (priv spec 3.1.6.3).
  if (access === ACCESS_LOAD) return (flags & PTE_R) !== 0 || (mxr && (flags & PTE_X) !== 0);
  return (flags & PTE_W) !== 0;
}

/**
 * Flag bit used in TLB entries for identity (satp.MODE = Bare) translations of S/U accesses:
 * there are no page permissions to check, only PMP.
 */
export const TLB_BARE = 1 << 8;

/** Index of a row of PERMISSIONS: one row of 512 flag values per (priv, SUM, MXR). */
export const permissionRow = (priv: number, sum: boolean, mxr: boolean): number =>
  ((priv << 2) | (sum ? 2 : 0) | (mxr ? 1 : 0)) << 9;

/**
 * Shift of the 3-bit access mask for (priv, SUM, MXR) within a packed permission word: the TLB
 * stores, per entry, the masks of all eight U/S contexts in 24 bits so that a hit is one load.
 */
export const contextShift = (priv: number, sum: boolean, mxr: boolean): number =>
  3 * ((priv << 2) | (sum ? 2 : 0) | (mxr ? 1 : 0));

/**
 * Packed permission word of a TLB entry: for each U/S (priv, SUM, MXR) context, the accesses that
 * both the PTE flags (PERMISSIONS) and PMP (`pmpMask`, uniform over the page) allow.
 */
export function packPermissions(flags: number, pmpMask: number): number {
  let word = 0;
  for (let row = 0; row < 8; row++) word |= (PERMISSIONS[(row << 9) | flags] & pmpMask) << (3 * row);
  return word;
}

/**
 * PERMISSIONS[permissionRow(priv, sum, mxr) | flags] is the mask of accesses (accessBit) a TLB hit
 * may serve without walking again. The TLB keeps the raw PTE flags and consults this table on
 * every hit, so a change of privilege, SUM or MXR can never be bypassed by a cached translation.
 * A hit additionally requires A=1 (and D=1 for stores): otherwise the slow path walks again and
 * performs the A/D update of step 7.
 */
export const PERMISSIONS: Uint8Array = buildPermissions();

function buildPermissions(): Uint8Array {
  const table = new Uint8Array(4 * 4 * 512);
  for (let priv = 0; priv < 4; priv++) {
    for (let ctl = 0; ctl < 4; ctl++) {
      const sum = (ctl & 2) !== 0;
      const mxr = (ctl & 1) !== 0;
      for (let flags = 0; flags < 512; flags++) {
        let mask = 0;
        if ((flags & TLB_BARE) !== 0) {
          mask = 7;
        } else if ((flags & PTE_A) !== 0) {
          // Written out, not a for-of over the three accesses: this runs as the module loads,
          // before V8 optimizes anything, where the iterator cost ~5 ms of every start.
          if (leafAllows(flags, ACCESS_FETCH, priv, sum, mxr)) mask |= accessBit(ACCESS_FETCH);
          if (leafAllows(flags, ACCESS_LOAD, priv, sum, mxr)) mask |= accessBit(ACCESS_LOAD);
          if ((flags & PTE_D) !== 0 && leafAllows(flags, ACCESS_STORE, priv, sum, mxr)) mask |= accessBit(ACCESS_STORE);
        }
        table[permissionRow(priv, sum, mxr) | flags] = mask;
      }
    }
  }
  return table;
}
