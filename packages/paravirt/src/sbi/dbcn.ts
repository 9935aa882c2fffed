import { fail, NOT_SUPPORTED, ok, SBI_ERR_INVALID_PARAM, type SbiRet } from './sbi-error.js';
import { arg, type SbiCall, type SbiExtension } from './sbi-extension.js';
import { EID_DBCN, FID_DBCN_CONSOLE_READ, FID_DBCN_CONSOLE_WRITE, FID_DBCN_CONSOLE_WRITE_BYTE } from './sbi-ids.js';
import type { SbiPlatform } from './sbi-platform.js';

/**
 * Debug console (SBI spec 12): write/read a buffer given by its physical address (lo in a1, hi in
 * a2) and length (a0), or write one byte. The value is the number of bytes transferred; a buffer
 * outside the guest's memory is SBI_ERR_INVALID_PARAM (12.1, 12.2).
 */
export class DbcnExtension implements SbiExtension {
  readonly name = 'dbcn';
  readonly eids = [EID_DBCN];

  constructor(private readonly platform: SbiPlatform) {}

  probe(): bigint {
    return 1n;
  }

  call(c: SbiCall): SbiRet {
    switch (c.fid) {
      case FID_DBCN_CONSOLE_WRITE: {
        const buf = this.buffer(c);
        if (buf === undefined) return fail(SBI_ERR_INVALID_PARAM);
        this.platform.consoleWrite(concat(buf));
        return ok(length(buf));
      }
      case FID_DBCN_CONSOLE_READ: {
        const buf = this.buffer(c);
        if (buf === undefined) return fail(SBI_ERR_INVALID_PARAM);
        const n = length(buf);
        const got = this.platform.consoleRead(n);
        let at = 0;
        for (const v of buf) {
          v.set(got.subarray(at, Math.min(got.length, at + v.length)));
          at += v.length;
        }
        return ok(Math.min(got.length, n));
      }
      case FID_DBCN_CONSOLE_WRITE_BYTE:
        this.platform.consoleWrite(Uint8Array.of(Number(arg(c, 0) & 0xffn)));
        return ok();
      default:
        return NOT_SUPPORTED;
    }
  }

  /** The guest buffer of a write/read as live views (one per RAM chunk), or undefined when it is not entirely guest RAM. */
  private buffer(c: SbiCall): Uint8Array[] | undefined {
    const n = arg(c, 0);
    // a1 holds the low XLEN bits of the address, a2 the high ones: nonzero is beyond any RAM.
    const pa = arg(c, 1);
    if (arg(c, 2) !== 0n || n > BigInt(Number.MAX_SAFE_INTEGER) || pa > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const mem = this.platform.memory;
    if (n === 0n) return [];
    if (!mem.contains(Number(pa), Number(n))) return undefined;
    return mem.views(Number(pa), Number(n));
  }
}

function length(views: readonly Uint8Array[]): number {
  return views.reduce((n, v) => n + v.length, 0);
}

/** A copy of the views' bytes, in order. */
function concat(views: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(length(views));
  let at = 0;
  for (const v of views) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}
