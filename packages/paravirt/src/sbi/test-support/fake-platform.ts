import { Ram } from '@vm/mmu';
import type { FenceRequest, ResetType, SbiPlatform } from '../sbi-platform.js';

export const RAM_BASE = 0x8000_0000;

/** An SbiPlatform that records what the server asked of it. */
export class FakePlatform implements SbiPlatform {
  readonly memory = new Ram(RAM_BASE, 1 << 20);
  readonly mvendorid = 0n;
  readonly marchid = 0x2an;
  readonly mimpid = 7n;
  timer: bigint | undefined;
  ssip = false;
  readonly fences: FenceRequest[] = [];
  readonly out: number[] = [];
  input: number[] = [];
  resets: { type: ResetType; reason: number }[] = [];

  setTimer(stime: bigint): void {
    this.timer = stime;
  }
  setSoftwareInterrupt(pending: boolean): void {
    this.ssip = pending;
  }
  fence(request: FenceRequest): void {
    this.fences.push(request);
  }
  consoleWrite(bytes: Uint8Array): void {
    this.out.push(...bytes);
  }
  consoleRead(max: number): Uint8Array {
    return Uint8Array.from(this.input.splice(0, max));
  }
  reset(type: ResetType, reason: number): void {
    this.resets.push({ type, reason });
  }
  get text(): string {
    return Buffer.from(this.out).toString('latin1');
  }
}

/** a0–a7 as a register file. */
export function registers(values: Record<number, bigint>): { read(x: number): bigint; write(x: number, v: bigint): void; x: bigint[] } {
  const x = new Array<bigint>(32).fill(0n);
  for (const [k, v] of Object.entries(values)) x[Number(k)] = v;
  return { x, read: (i) => x[i]!, write: (i, v) => void (x[i] = v) };
}
