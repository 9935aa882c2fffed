import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_PARAM, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { hartsSelected } from './hart-mask.js';
import { EID_IPI, FID_IPI_SEND_IPI } from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/**
 * IPI extension (SBI spec 7.1): sbi_send_ipi makes SSIP pending on every hart the mask names; on a
 * platform of one hart, that hart. The bit stays pending until the target's S-mode clears it
 * (priv spec 3.1.9: SSIP is cleared by software only).
 */
export class IpiExtension implements SbiExtension {
  readonly name = 'ipi';
  readonly eids = [EID_IPI];

  constructor(private readonly platform: SbiPlatform, private readonly harts = 1) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    if (c.fid !== FID_IPI_SEND_IPI) return NOT_SUPPORTED;
    const many = this.platform.harts;
    const targets = hartsSelected(arg(c, 0), arg(c, 1), many?.count ?? this.harts);
    if (targets === undefined) return fail(SBI_ERR_INVALID_PARAM);
    for (const h of targets) {
      if (many !== undefined) many.sendIpi(h);
      else this.platform.setSoftwareInterrupt(true);
    }
    return ok();
  }
}
