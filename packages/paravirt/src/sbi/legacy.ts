import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_ADDRESS, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import {
  EID_LEGACY_CLEAR_IPI, EID_LEGACY_CONSOLE_GETCHAR, EID_LEGACY_CONSOLE_PUTCHAR, EID_LEGACY_REMOTE_FENCE_I,
  EID_LEGACY_REMOTE_SFENCE_VMA, EID_LEGACY_REMOTE_SFENCE_VMA_ASID, EID_LEGACY_SEND_IPI, EID_LEGACY_SET_TIMER,
  EID_LEGACY_SHUTDOWN,
} from './sbi-ids.js';
import type { FenceRequest, SbiPlatform } from './sbi-platform.js';

/**
 * Legacy extensions (SBI spec 5, v0.1): EIDs 0x00–0x08, one function each. Hart masks are passed
 * as the address of a bit vector in the caller's S-mode address space (5.5–5.8): on a platform of
 * several harts it is read there (an address of 0 names every hart, as OpenSBI reads it); with
 * one hart we deliver to it whatever the mask. They return a single value in a0 (`SbiServer` writes a0 only): 0, or for getchar the byte
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
      case EID_LEGACY_SEND_IPI: return this.each(arg(c, 0), (h) => (h === undefined ? p.setSoftwareInterrupt(true) : p.harts!.sendIpi(h)));
      case EID_LEGACY_REMOTE_FENCE_I: return this.fence(arg(c, 0), { kind: 'fence.i', start: 0n, size: 0n });
      case EID_LEGACY_REMOTE_SFENCE_VMA: return this.fence(arg(c, 0), { kind: 'sfence.vma', start: arg(c, 1), size: arg(c, 2) });
      case EID_LEGACY_REMOTE_SFENCE_VMA_ASID: return this.fence(arg(c, 0), { kind: 'sfence.vma.asid', start: arg(c, 1), size: arg(c, 2), asid: arg(c, 3) });
      case EID_LEGACY_SHUTDOWN: p.reset('shutdown', 0); return ok();
      default: return NOT_SUPPORTED;
    }
  }

  private fence(maskAddress: bigint, r: FenceRequest): SbiRet {
    const p = this.platform;
    return this.each(maskAddress, (h) => (h === undefined ? p.fence(r) : p.harts!.fence(h, r)));
  }

  /** Apply `f` to every hart the legacy mask at `maskAddress` names (undefined: the one hart). */
  private each(maskAddress: bigint, f: (hart: number | undefined) => void): SbiRet {
    const many = this.platform.harts;
    if (many === undefined) {
      f(undefined);
      return ok();
    }
    const mask = maskAddress === 0n ? (1n << BigInt(many.count)) - 1n : many.readHartMask(maskAddress);
    if (mask === undefined) return fail(SBI_ERR_INVALID_ADDRESS);
    for (let h = 0; h < many.count; h++) if (((mask >> BigInt(h)) & 1n) === 1n) f(h);
    return ok();
  }
}
