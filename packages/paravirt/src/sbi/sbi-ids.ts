/**
 * Extension and function IDs of the RISC-V Supervisor Binary Interface, v2.0. An SBI call is an
 * ECALL with the extension ID (EID) in a7 and the function ID (FID) in a6 (SBI spec 3.1).
 */

/** SBI spec version this implementation conforms to: major 2 in bits 30:24, minor 0 (SBI spec 4.1). */
export const SBI_SPEC_VERSION = (2 << 24) | 0;

/**
 * Our SBI implementation ID (SBI spec 4.9 lists the registered ones, 0–11). "VMP" in ASCII: an
 * unregistered value, which also names our firmware-specific extension below.
 */
export const SBI_IMPL_ID = 0x564d50;
/** Implementation version: 0.1. */
export const SBI_IMPL_VERSION = 0x0000_0001;

/** Legacy extensions (SBI spec 5, v0.1): the EID is the function, a6 is ignored, result in a0. */
export const EID_LEGACY_SET_TIMER = 0x00;
export const EID_LEGACY_CONSOLE_PUTCHAR = 0x01;
export const EID_LEGACY_CONSOLE_GETCHAR = 0x02;
export const EID_LEGACY_CLEAR_IPI = 0x03;
export const EID_LEGACY_SEND_IPI = 0x04;
export const EID_LEGACY_REMOTE_FENCE_I = 0x05;
export const EID_LEGACY_REMOTE_SFENCE_VMA = 0x06;
export const EID_LEGACY_REMOTE_SFENCE_VMA_ASID = 0x07;
export const EID_LEGACY_SHUTDOWN = 0x08;

/** Base extension (SBI spec 4). */
export const EID_BASE = 0x10;
export const FID_BASE_GET_SPEC_VERSION = 0;
export const FID_BASE_GET_IMPL_ID = 1;
export const FID_BASE_GET_IMPL_VERSION = 2;
export const FID_BASE_PROBE_EXTENSION = 3;
export const FID_BASE_GET_MVENDORID = 4;
export const FID_BASE_GET_MARCHID = 5;
export const FID_BASE_GET_MIMPID = 6;

/** Timer extension "TIME" (SBI spec 6). */
export const EID_TIME = 0x54494d45;
export const FID_TIME_SET_TIMER = 0;

/** IPI extension "sPI" (SBI spec 7). */
export const EID_IPI = 0x735049;
export const FID_IPI_SEND_IPI = 0;

/** RFENCE extension "RFNC" (SBI spec 8). */
export const EID_RFENCE = 0x52464e43;
export const FID_RFENCE_REMOTE_FENCE_I = 0;
export const FID_RFENCE_REMOTE_SFENCE_VMA = 1;
export const FID_RFENCE_REMOTE_SFENCE_VMA_ASID = 2;
/** 3–6: remote HFENCE.GVMA(_VMID) / HFENCE.VVMA(_ASID), only for harts with H (SBI spec 8.4–8.7). */

/** Hart state management extension "HSM" (SBI spec 9). */
export const EID_HSM = 0x48534d;
export const FID_HSM_HART_START = 0;
export const FID_HSM_HART_STOP = 1;
export const FID_HSM_HART_GET_STATUS = 2;
export const FID_HSM_HART_SUSPEND = 3;

/** System reset extension "SRST" (SBI spec 10). */
export const EID_SRST = 0x53525354;
export const FID_SRST_SYSTEM_RESET = 0;

/** Debug console extension "DBCN" (SBI spec 12). */
export const EID_DBCN = 0x4442434e;
export const FID_DBCN_CONSOLE_WRITE = 0;
export const FID_DBCN_CONSOLE_READ = 1;
export const FID_DBCN_CONSOLE_WRITE_BYTE = 2;

/**
 * Firmware-specific extension space 0x0A000000–0x0AFFFFFF, whose low 24 bits are the SBI
 * implementation ID (SBI spec 3.1 table 1): our paravirtual-MMU hypercalls, EID 0x0A564D50.
 */
export const EID_VMPV = 0x0a00_0000 | SBI_IMPL_ID;
export const FID_VMPV_PT_REGISTER = 0;
export const FID_VMPV_PT_RELEASE = 1;
export const FID_VMPV_MMU_UPDATE = 2;
export const FID_VMPV_TLB_FLUSH = 3;
