/** Standard SBI error codes, returned in a0 (SBI spec 3.2 table 2). */
export const SBI_SUCCESS = 0;
export const SBI_ERR_FAILED = -1;
export const SBI_ERR_NOT_SUPPORTED = -2;
export const SBI_ERR_INVALID_PARAM = -3;
export const SBI_ERR_DENIED = -4;
export const SBI_ERR_INVALID_ADDRESS = -5;
export const SBI_ERR_ALREADY_AVAILABLE = -6;
export const SBI_ERR_ALREADY_STARTED = -7;
export const SBI_ERR_ALREADY_STOPPED = -8;
export const SBI_ERR_NO_SHMEM = -9;

/** The pair every SBI v0.2+ function returns: error in a0, value in a1 (SBI spec 3.1). */
export interface SbiRet {
  readonly error: number;
  readonly value: bigint;
}

export const ok = (value: bigint | number = 0n): SbiRet => ({ error: SBI_SUCCESS, value: BigInt(value) });
export const fail = (error: number): SbiRet => ({ error, value: 0n });
export const NOT_SUPPORTED: SbiRet = fail(SBI_ERR_NOT_SUPPORTED);
