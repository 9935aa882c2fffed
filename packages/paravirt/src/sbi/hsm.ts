import {
  fail, NOT_SUPPORTED, ok, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED, type SbiRet,
} from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_HSM, FID_HSM_HART_GET_STATUS, FID_HSM_HART_START, FID_HSM_HART_STOP, FID_HSM_HART_SUSPEND } from './sbi-ids.js';
import { HSM_STATE_STARTED, HSM_STATE_STOPPED, type SbiPlatform } from './sbi-platform.js';

export { HSM_STATE_STARTED, HSM_STATE_STOPPED } from './sbi-platform.js';
/** Suspend types (SBI spec 9.4 table): default retentive 0, default non-retentive 0x80000000. */
export const HSM_SUSPEND_RETENTIVE = 0;
export const HSM_SUSPEND_NON_RETENTIVE = 0x8000_0000;

/**
 * Hart state management (SBI spec 9).
 *
 * On a platform with `harts` (a multi-vCPU VM): hart_start starts a STOPPED hart at start_addr in
 * S-mode (9.1; SBI_ERR_ALREADY_AVAILABLE when it is not stopped, SBI_ERR_INVALID_PARAM for an
 * absent hart), hart_stop stops the caller (9.2), hart_get_status reports a hart's state (9.3),
 * hart_suspend suspends the caller, retentive (a WFI: "similar to WFI", 9.4) or non-retentive
 * (resumes at resume_addr as if started there).
 *
 * On a platform of one hart, which is always STARTED: starting it again is
 * SBI_ERR_ALREADY_AVAILABLE; hart_stop of the only hart would leave nothing running, so it powers
 * the VM off, as a firmware with no other hart to wake it would never return either; only the
 * retentive suspend is supported.
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
    const many = this.platform.harts;
    const count = many?.count ?? this.harts;
    const id = arg(c, 0);
    switch (c.fid) {
      case FID_HSM_HART_START: {
        if (id >= BigInt(count)) return fail(SBI_ERR_INVALID_PARAM);
        if (many === undefined || many.status(Number(id)) !== HSM_STATE_STOPPED) return fail(SBI_ERR_ALREADY_AVAILABLE);
        many.start(Number(id), arg(c, 1), arg(c, 2));
        return ok();
      }
      case FID_HSM_HART_STOP:
        if (many === undefined) this.platform.reset('shutdown', 0);
        else many.stop();
        return ok();
      case FID_HSM_HART_GET_STATUS:
        if (id >= BigInt(count)) return fail(SBI_ERR_INVALID_PARAM);
        return ok(many === undefined ? HSM_STATE_STARTED : many.status(Number(id)));
      case FID_HSM_HART_SUSPEND: {
        const type = BigInt.asUintN(32, id);
        if (type === BigInt(HSM_SUSPEND_RETENTIVE)) {
          this.waitForInterrupt();
          return ok();
        }
        if (type === BigInt(HSM_SUSPEND_NON_RETENTIVE) && many !== undefined) {
          many.suspend(arg(c, 1), arg(c, 2));
          return ok();
        }
        // 0x10000000-0x7fffffff and 0x90000000-: platform-specific types; the rest reserved (9.4 table).
        const platformSpecific = (type >= 0x1000_0000n && type < 0x8000_0000n) || type >= 0x9000_0000n || type === BigInt(HSM_SUSPEND_NON_RETENTIVE);
        return fail(platformSpecific ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM);
      }
      default:
        return NOT_SUPPORTED;
    }
  }
}
