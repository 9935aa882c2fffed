import { NOT_SUPPORTED, ok, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_TIME, FID_TIME_SET_TIMER } from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/**
 * Timer extension (SBI spec 6.1): sbi_set_timer(stime_value) programs the next timer event and
 * clears the pending timer interrupt; an event "infinitely far" (all ones) just clears it.
 */
export class TimeExtension implements SbiExtension {
  readonly name = 'time';
  readonly eids = [EID_TIME];

  constructor(private readonly platform: SbiPlatform) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    if (c.fid !== FID_TIME_SET_TIMER) return NOT_SUPPORTED;
    this.platform.setTimer(arg(c, 0));
    return ok();
  }
}
