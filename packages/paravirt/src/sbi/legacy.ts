import { NOT_SUPPORTED, ok, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import {
  EID_LEGACY_CLEAR_IPI, EID_LEGACY_CONSOLE_GETCHAR, EID_LEGACY_CONSOLE_PUTCHAR, EID_LEGACY_REMOTE_FENCE_I,
  EID_LEGACY_REMOTE_SFENCE_VMA, EID_LEGACY_REMOTE_SFENCE_VMA_ASID, EID_LEGACY_SEND_IPI, EID_LEGACY_SET_TIMER,
  EID_LEGACY_SHUTDOWN,
} from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/**
 * Legacy extensions (SBI spec 5, v0.1): EIDs 0x00–0x08, one function each. Hart masks are passed
 * as the address of a bit vector in memory (5.5–5.8); with one hart we deliver to it whatever the
 * mask. They return a single value in a0 (`SbiServer` writes a0 only): 0, or for getchar the byte
 * or -1 (5.3).
 */
export class LegacyExtension implements SbiExtension {
  readonly name = 'legacy';
  readonly eids = [
    EID_LEGACY_SET_TIMER, EID_LEGACY_CONSOLE_PUTCHAR, EID_LEGACY_CONSOLE_GETCHAR, EID_LEGACY_CLEAR_IPI,
    EID_LEGACY_SEND_IPI, EID_LEGACY_REMOTE_FENCE_I, EID_LEGACY_REMOTE_SFENCE_VMA, EID_LEGACY_REMOTE_SFENCE_VMA_ASID,
    EID_LEGACY_SHUTDOWN,
  ];

  constructor(private readonly platform: SbiPlatform) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    const p = this.platform;
    switch (c.eid) {
      case EID_LEGACY_SET_TIMER: p.setTimer(arg(c, 0)); return ok();
      case EID_LEGACY_CONSOLE_PUTCHAR: p.consoleWrite(Uint8Array.of(Number(arg(c, 0) & 0xffn))); return ok();
      case EID_LEGACY_CONSOLE_GETCHAR: {
        const b = p.consoleRead(1);
        return ok(b.length > 0 ? BigInt(b[0]!) : -1n);
      }
      case EID_LEGACY_CLEAR_IPI: p.setSoftwareInterrupt(false); return ok();
      case EID_LEGACY_SEND_IPI: p.setSoftwareInterrupt(true); return ok();
      case EID_LEGACY_REMOTE_FENCE_I: p.fence({ kind: 'fence.i', start: 0n, size: 0n }); return ok();
      case EID_LEGACY_REMOTE_SFENCE_VMA: p.fence({ kind: 'sfence.vma', start: arg(c, 1), size: arg(c, 2) }); return ok();
      case EID_LEGACY_REMOTE_SFENCE_VMA_ASID:
        p.fence({ kind: 'sfence.vma.asid', start: arg(c, 1), size: arg(c, 2), asid: arg(c, 3) });
        return ok();
      case EID_LEGACY_SHUTDOWN: p.reset('shutdown', 0); return ok();
      default: return NOT_SUPPORTED;
    }
  }
}
