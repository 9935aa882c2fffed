import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_PARAM, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { hartsSelected } from './hart-mask.js';
import { EID_RFENCE, FID_RFENCE_REMOTE_FENCE_I, FID_RFENCE_REMOTE_SFENCE_VMA, FID_RFENCE_REMOTE_SFENCE_VMA_ASID } from './sbi-ids.js';
import type { FenceRequest, SbiPlatform } from './sbi-platform.js';

/**
 * RFENCE extension (SBI spec 8): remote FENCE.I, SFENCE.VMA and SFENCE.VMA with ASID on the
 * selected harts. The guest's harts have no H extension, so the HFENCE functions (FIDs 3–6) are
 * not supported (SBI spec 8.4–8.7: "only if the hart supports the hypervisor extension").
 */
export class RfenceExtension implements SbiExtension {
  readonly name = 'rfence';
  readonly eids = [EID_RFENCE];

  constructor(private readonly platform: SbiPlatform, private readonly harts = 1) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    let req: FenceRequest;
    switch (c.fid) {
      case FID_RFENCE_REMOTE_FENCE_I: req = { kind: 'fence.i', start: 0n, size: 0n }; break;
      case FID_RFENCE_REMOTE_SFENCE_VMA: req = { kind: 'sfence.vma', start: arg(c, 2), size: arg(c, 3) }; break;
      case FID_RFENCE_REMOTE_SFENCE_VMA_ASID: req = { kind: 'sfence.vma.asid', start: arg(c, 2), size: arg(c, 3), asid: arg(c, 4) }; break;
      default: return NOT_SUPPORTED;
    }
    const many = this.platform.harts;
    const targets = hartsSelected(arg(c, 0), arg(c, 1), many?.count ?? this.harts);
    if (targets === undefined) return fail(SBI_ERR_INVALID_PARAM);
    for (const h of targets) {
      if (many !== undefined) many.fence(h, req);
      else this.platform.fence(req);
    }
    return ok();
  }
}
