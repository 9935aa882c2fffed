/**
 * Framing of the GDB remote serial protocol (GDB manual, appendix E.1 "Overview"): a packet is
 * `$payload#cc` with `cc` the modulo-256 sum of the payload in two hex digits; `$`, `#`, `}` and `*`
 * inside a payload are escaped as `}` followed by the byte XOR 0x20. A lone 0x03 outside a packet
 * is an interrupt (Ctrl-C); `+`/`-` acknowledge.
 */

/** Modulo-256 sum of the bytes of `payload` (latin1: one char per byte). */
export function checksum(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return sum;
}

/** `$payload#cc`, escaping the bytes the protocol reserves. */
export function framePacket(payload: string): string {
  const escaped = payload.replace(/[$#}*]/g, (c) => '}' + String.fromCharCode(c.charCodeAt(0) ^ 0x20));
  return `$${escaped}#${checksum(escaped).toString(16).padStart(2, '0')}`;
}

export type WireEvent =
  | { readonly kind: 'packet'; readonly payload: string; readonly ok: boolean }
  | { readonly kind: 'interrupt' };

/**
 * Splits the byte stream from GDB into packets (unescaped, checksum verified) and interrupts.
 * Acknowledgements from GDB are dropped: this stub never retransmits (TCP does not lose bytes).
 */
export class PacketReader {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private body: number[] = [];
  private sum = '';

  feed(chunk: Uint8Array): WireEvent[] {
    const out: WireEvent[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'idle':
          if (b === 0x24) {
            this.state = 'body';
            this.body = [];
          } else if (b === 0x03) out.push({ kind: 'interrupt' });
          break;
        case 'body':
          if (b === 0x23) {
            this.state = 'sum1';
            this.sum = '';
          } else this.body.push(b);
          break;
        case 'sum1':
          this.sum = String.fromCharCode(b);
          this.state = 'sum2';
          break;
        case 'sum2': {
          this.sum += String.fromCharCode(b);
          this.state = 'idle';
          const raw = Buffer.from(this.body).toString('latin1');
          const ok = parseInt(this.sum, 16) === checksum(raw);
          out.push({ kind: 'packet', payload: unescape(raw), ok });
          break;
        }
      }
    }
    return out;
  }
}

/** Undo `}`-escaping (binary data of X and vFile packets; harmless elsewhere). */
function unescape(raw: string): string {
  if (!raw.includes('}')) return raw;
  let s = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '}' && i + 1 < raw.length) s += String.fromCharCode(raw.charCodeAt(++i) ^ 0x20);
    else s += c;
  }
  return s;
}

/** Bytes as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Hex text as bytes; undefined when it is not hex of whole bytes. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** A little-endian register value of `bytes` bytes as hex (the target's byte order, RISC-V). */
export function regToHex(value: bigint, bytes: number): string {
  const b = new Uint8Array(bytes);
  let v = BigInt.asUintN(bytes * 8, value);
  for (let i = 0; i < bytes; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return toHex(b);
}

/** Little-endian hex register text as a value. */
export function regFromHex(text: string): bigint | undefined {
  const b = fromHex(text);
  if (b === undefined) return undefined;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
