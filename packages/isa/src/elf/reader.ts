import { FormatError } from '@vm/core';

/**
 * Bounds-checked little-endian reads over an ELF file. Every read names the field it is
 * reading so a short file produces a FormatError that says which field ran off the end.
 */
export class ElfReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(offset: number, field: string, problem: string): never {
    throw new FormatError(this.file, offset, field, problem);
  }

  private need(offset: number, size: number, field: string): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      this.fail(offset, field, `needs ${size} byte(s) but the file is only ${this.bytes.length} bytes long`);
    }
  }

  u8(offset: number, field: string): number {
    this.need(offset, 1, field);
    return this.bytes[offset];
  }

  u16(offset: number, field: string): number {
    this.need(offset, 2, field);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, field: string): number {
    this.need(offset, 4, field);
    return this.view.getUint32(offset, true);
  }

  u64(offset: number, field: string): bigint {
    this.need(offset, 8, field);
    return this.view.getBigUint64(offset, true);
  }

  /**
   * A 64-bit file offset or size that must fit in a JS number and, with `extent` bytes
   * after it, inside the file.
   */
  range(start: bigint, size: bigint, fieldOffset: number, field: string): { start: number; size: number } {
    const end = start + size;
    if (end > BigInt(this.bytes.length)) {
      this.fail(
        fieldOffset,
        field,
        `range 0x${start.toString(16)}+0x${size.toString(16)} extends past the end of the file (0x${this.bytes.length.toString(16)} bytes)`,
      );
    }
    return { start: Number(start), size: Number(size) };
  }

  /** A NUL-terminated string starting at `offset`, which must terminate before `limit`. */
  cstring(offset: number, limit: number, fieldOffset: number, field: string): string {
    if (offset >= limit) this.fail(fieldOffset, field, `string offset 0x${offset.toString(16)} is outside its string table`);
    let end = offset;
    while (end < limit && this.bytes[end] !== 0) end++;
    if (end >= limit) this.fail(fieldOffset, field, `string at 0x${offset.toString(16)} is not NUL-terminated inside its string table`);
    let s = '';
    for (let i = offset; i < end; i++) s += String.fromCharCode(this.bytes[i]);
    return s;
  }
}
