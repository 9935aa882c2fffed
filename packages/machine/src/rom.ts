import type { AccessWidth, MmioDevice } from '@vm/core';

/** Read-only memory (the boot ROM at 0x1000). Writes are ignored, as on QEMU's mrom. */
export class Rom implements MmioDevice {
  readonly accessWidths: readonly AccessWidth[] = [1, 2, 4, 8];
  private readonly view: DataView;

  constructor(
    readonly size: number,
    readonly bytes: Uint8Array = new Uint8Array(size),
  ) {
    if (bytes.length > size) throw new RangeError(`ROM image of ${bytes.length} bytes exceeds ${size}`);
    const padded = new Uint8Array(size);
    padded.set(bytes);
    this.bytes = padded;
    this.view = new DataView(padded.buffer);
  }

  read(offset: number, width: AccessWidth): bigint {
    switch (width) {
      case 1: return BigInt(this.view.getUint8(offset));
      case 2: return BigInt(this.view.getUint16(offset, true));
      case 4: return BigInt(this.view.getUint32(offset, true));
      default: return this.view.getBigUint64(offset, true);
    }
  }

  write(): void {}
}
