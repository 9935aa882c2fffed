import { NOT_SUPPORTED, ok, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import {
  EID_BASE, FID_BASE_GET_IMPL_ID, FID_BASE_GET_IMPL_VERSION, FID_BASE_GET_MARCHID, FID_BASE_GET_MIMPID,
  FID_BASE_GET_MVENDORID, FID_BASE_GET_SPEC_VERSION, FID_BASE_PROBE_EXTENSION, SBI_IMPL_ID, SBI_IMPL_VERSION,
  SBI_SPEC_VERSION,
} from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/**
 * Base extension (SBI spec 4): version, implementation and machine IDs, probing. Every function
 * succeeds (SBI spec 4 introduction); probe_extension answers for the server's extensions.
 */
export class BaseExtension implements SbiExtension {
  readonly name = 'base';
  readonly eids = [EID_BASE];

  constructor(
    private readonly platform: SbiPlatform,
    private readonly probeOther: (eid: bigint) => bigint,
  ) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    switch (c.fid) {
      case FID_BASE_GET_SPEC_VERSION: return ok(SBI_SPEC_VERSION);
      case FID_BASE_GET_IMPL_ID: return ok(SBI_IMPL_ID);
      case FID_BASE_GET_IMPL_VERSION: return ok(SBI_IMPL_VERSION);
      case FID_BASE_PROBE_EXTENSION: return ok(this.probeOther(arg(c, 0)));
      case FID_BASE_GET_MVENDORID: return ok(this.platform.mvendorid ?? 0n);
      case FID_BASE_GET_MARCHID: return ok(this.platform.marchid ?? 0n);
      case FID_BASE_GET_MIMPID: return ok(this.platform.mimpid ?? 0n);
      default: return NOT_SUPPORTED;
    }
  }
}
