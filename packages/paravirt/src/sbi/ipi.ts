import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_PARAM, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { hartMaskSelects } from './hart-mask.js';
import { EID_IPI, FID_IPI_SEND_IPI } from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/** IPI extension (SBI spec 7.1): sbi_send_ipi raises SSIP on the selected harts (one here). */
export class IpiExtension implements SbiExtension {
  readonly name = 'ipi';
  readonly eids = [EID_IPI];

  constructor(private readonly platform: SbiPlatform, private readonly harts = 1) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    if (c.fid !== FID_IPI_SEND_IPI) return NOT_SUPPORTED;
    const m = hartMaskSelects(arg(c, 0), arg(c, 1), 0, this.harts);
    if (!m.valid) return fail(SBI_ERR_INVALID_PARAM);
    if (m.selects) this.platform.setSoftwareInterrupt(true);
    return ok();
  }
}
