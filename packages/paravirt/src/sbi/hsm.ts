import { fail, NOT_SUPPORTED, ok, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_HSM, FID_HSM_HART_GET_STATUS, FID_HSM_HART_START, FID_HSM_HART_STOP, FID_HSM_HART_SUSPEND } from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/** HSM hart states (SBI spec 9 table): STARTED 0, STOPPED 1, ... */
export const HSM_STATE_STARTED = 0;
export const HSM_STATE_STOPPED = 1;
/** Suspend types (SBI spec 9.4): default retentive 0, default non-retentive 0x80000000. */
export const HSM_SUSPEND_RETENTIVE = 0;

/**
 * Hart state management (SBI spec 9) for a VM of one hart, which is always STARTED: starting it
 * again is SBI_ERR_ALREADY_AVAILABLE, starting or querying an absent hart SBI_ERR_INVALID_PARAM
 * (9.1, 9.3). hart_stop of the only hart would leave nothing running: it powers the VM off, as a
 * firmware with no other hart to wake it would never return either. Retentive suspend is a WFI
 * (9.4: "similar to WFI"): the caller waits for an interrupt; non-retentive suspend is not supported.
 */
export class HsmExtension implements SbiExtension {
  readonly name = 'hsm';
  readonly eids = [EID_HSM];

  constructor(
    private readonly platform: SbiPlatform,
    private readonly harts = 1,
    /** Called for a retentive suspend: the hart waits for an interrupt. */
    private readonly waitForInterrupt: () => void = () => {},
  ) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    switch (c.fid) {
      case FID_HSM_HART_START:
        return arg(c, 0) < BigInt(this.harts) ? fail(SBI_ERR_ALREADY_AVAILABLE) : fail(SBI_ERR_INVALID_PARAM);
      case FID_HSM_HART_STOP:
        this.platform.reset('shutdown', 0);
        return ok();
      case FID_HSM_HART_GET_STATUS:
        return arg(c, 0) < BigInt(this.harts) ? ok(HSM_STATE_STARTED) : fail(SBI_ERR_INVALID_PARAM);
      case FID_HSM_HART_SUSPEND: {
        const type = BigInt.asUintN(32, arg(c, 0));
        if (type !== BigInt(HSM_SUSPEND_RETENTIVE)) return fail(type >= 0x8000_0000n ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM);
        this.waitForInterrupt();
        return ok();
      }
      default:
        return NOT_SUPPORTED;
    }
  }
}
