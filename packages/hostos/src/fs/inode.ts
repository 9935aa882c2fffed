import { DIRECT_BLOCKS, INODE_SIZE, TYPE_CODE, TYPE_OF, type InodeType } from './layout.js';

/**
 * An inode as stored on disk: type, link count, size, device numbers (character devices), 12
 * direct block pointers, one single- and one double-indirect pointer (0 = hole).
 */
export class Inode {
  type: InodeType = 'free';
  links = 0;
  size = 0;
  major = 0;
  minor = 0;
  readonly direct: number[] = new Array<number>(DIRECT_BLOCKS).fill(0);
  indirect = 0;
  doubleIndirect = 0;

  constructor(readonly number: number) {}

  encode(into: Uint8Array, offset: number): void {
    const v = new DataView(into.buffer, into.byteOffset + offset, INODE_SIZE);
    v.setUint16(0, TYPE_CODE[this.type], true);
    v.setUint16(2, this.links, true);
    v.setBigUint64(8, BigInt(this.size), true);
    v.setUint16(16, this.major, true);
    v.setUint16(18, this.minor, true);
    this.direct.forEach((b, i) => v.setUint32(24 + i * 4, b, true));
    v.setUint32(24 + DIRECT_BLOCKS * 4, this.indirect, true);
    v.setUint32(28 + DIRECT_BLOCKS * 4, this.doubleIndirect, true);
  }

  static decode(number: number, from: Uint8Array, offset: number): Inode {
    const v = new DataView(from.buffer, from.byteOffset + offset, INODE_SIZE);
    const n = new Inode(number);
    n.type = TYPE_OF[v.getUint16(0, true)] ?? 'free';
    n.links = v.getUint16(2, true);
    n.size = Number(v.getBigUint64(8, true));
    n.major = v.getUint16(16, true);
    n.minor = v.getUint16(18, true);
    for (let i = 0; i < DIRECT_BLOCKS; i++) n.direct[i] = v.getUint32(24 + i * 4, true);
    n.indirect = v.getUint32(24 + DIRECT_BLOCKS * 4, true);
    n.doubleIndirect = v.getUint32(28 + DIRECT_BLOCKS * 4, true);
    return n;
  }
}
