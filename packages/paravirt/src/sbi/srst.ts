import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_SRST, FID_SRST_SYSTEM_RESET } from './sbi-ids.js';
import type { ResetType, SbiPlatform } from './sbi-platform.js';

/** Reset types (SBI spec 10.1): 0 shutdown, 1 cold reboot, 2 warm reboot. */
const RESET_TYPES: readonly ResetType[] = ['shutdown', 'cold-reboot', 'warm-reboot'];
/** Reset reasons: 0 no reason, 1 system failure; 0xE0000000+ SBI-, 0xF0000000+ vendor-specific. */
export const SRST_REASON_NONE = 0;
export const SRST_REASON_SYSTEM_FAILURE = 1;

/**
 * System reset (SBI spec 10.1): sbi_system_reset(reset_type, reset_reason). Does not return on
 * success; an unknown type or reason is SBI_ERR_INVALID_PARAM, a reserved type NOT_SUPPORTED.
 */
export class SrstExtension implements SbiExtension {
  readonly name = 'srst';
  readonly eids = [EID_SRST];

  constructor(private readonly platform: SbiPlatform) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    if (c.fid !== FID_SRST_SYSTEM_RESET) return NOT_SUPPORTED;
    const type = BigInt.asUintN(32, arg(c, 0));
    const reason = Number(BigInt.asUintN(32, arg(c, 1)));
    if (type >= 3n) return fail(type < 0xf000_0000n ? SBI_ERR_INVALID_PARAM : SBI_ERR_NOT_SUPPORTED);
    if (reason > SRST_REASON_SYSTEM_FAILURE && reason < 0xe000_0000) return fail(SBI_ERR_INVALID_PARAM);
    this.platform.reset(RESET_TYPES[Number(type)]!, reason);
    return ok();
  }
}
