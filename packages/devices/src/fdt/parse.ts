import { FormatError } from '@vm/core';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_VERSION,
  Fdt,
} from './fdt.js';
import { FdtProperty } from './node.js';
import type { FdtNode } from './node.js';

/*
 * Flattened devicetree reader, Devicetree Specification v0.4 chapter 5. Every offset and length
 * read from the blob is checked before use; a malformed blob raises FormatError naming the file,
 * the byte offset and the field at fault.
 */

/** The fields of a DTB header (spec 5.2). */
export interface FdtHeader {
  readonly magic: number;
  readonly totalSize: number;
  readonly offDtStruct: number;
  readonly offDtStrings: number;
  readonly offMemRsvmap: number;
  readonly version: number;
  readonly lastCompVersion: number;
  readonly bootCpuidPhys: number;
  readonly sizeDtStrings: number;
  /** Absent (undefined) in version-16 headers. */
  readonly sizeDtStruct: number | undefined;
}

/** Version-16 headers lack size_dt_struct. */
const HEADER_SIZE_V16 = 36;
const HEADER_SIZE_V17 = 40;
const OLDEST_READABLE_VERSION = 16;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Read and validate a DTB header (spec 5.2). The blob may be longer than totalsize. */
export function parseFdtHeader(blob: Uint8Array, file = '<fdt>'): FdtHeader {
  const fail = (offset: number, field: string, problem: string): never => {
    throw new FormatError(file, offset, field, problem);
  };
  if (blob.length < HEADER_SIZE_V16) fail(0, 'header', `blob is ${blob.length} bytes, too short for a DTB header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const field = (i: number): number => view.getUint32(4 * i, false);
  const magic = field(0);
  if (magic !== FDT_MAGIC) fail(0, 'magic', `0x${magic.toString(16)} is not 0xd00dfeed`);
  const version = field(5);
  const lastCompVersion = field(6);
  if (version < OLDEST_READABLE_VERSION) fail(0x14, 'version', `version ${version} is older than 16`);
  if (lastCompVersion > FDT_VERSION) {
    fail(0x18, 'last_comp_version', `blob needs a version ${lastCompVersion} reader; this one reads ${FDT_VERSION}`);
  }
  const headerSize = version >= 17 ? HEADER_SIZE_V17 : HEADER_SIZE_V16;
  if (blob.length < headerSize) fail(0, 'header', `blob is ${blob.length} bytes, too short for a v${version} header`);
  const totalSize = field(1);
  if (totalSize < headerSize) fail(0x4, 'totalsize', `${totalSize} is smaller than the header`);
  if (totalSize > blob.length) fail(0x4, 'totalsize', `${totalSize} exceeds the blob length ${blob.length}`);
  const header: FdtHeader = {
    magic,
    totalSize,
    offDtStruct: field(2),
    offDtStrings: field(3),
    offMemRsvmap: field(4),
    version,
    lastCompVersion,
    bootCpuidPhys: field(7),
    sizeDtStrings: field(8),
    sizeDtStruct: version >= 17 ? field(9) : undefined,
  };
  const checkBlock = (at: number, name: string, off: number, size: number, alignment: number): void => {
    if (off < headerSize || off > totalSize) fail(at, name, `offset 0x${off.toString(16)} is outside the blob (0x${totalSize.toString(16)} bytes)`);
    if (off % alignment !== 0) fail(at, name, `offset 0x${off.toString(16)} is not ${alignment}-byte aligned`);
    if (off + size > totalSize) fail(at, name, `block 0x${off.toString(16)}+0x${size.toString(16)} runs past totalsize`);
  };
  checkBlock(0x10, 'off_mem_rsvmap', header.offMemRsvmap, 16, 8);
  checkBlock(0x08, 'off_dt_struct', header.offDtStruct, header.sizeDtStruct ?? 0, 4);
  checkBlock(0x0c, 'off_dt_strings', header.offDtStrings, header.sizeDtStrings, 1);
  return header;
}

/**
 * Parse a DTB into an editable `Fdt` tree. `file` names the blob in error messages. Bytes after
 * `totalsize` are ignored (QEMU's dumpdtb pads the blob to its allocation size).
 */
export function parseFdt(blob: Uint8Array, file = '<fdt>'): Fdt {
  const header = parseFdtHeader(blob, file);
  const fail = (offset: number, field: string, problem: string): never => {
    throw new FormatError(file, offset, field, problem);
  };
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const fdt = new Fdt({ bootCpuidPhys: header.bootCpuidPhys });

  // 5.3 memory reservation block: (address, size) pairs ending with a zero pair.
  for (let pos = header.offMemRsvmap; ; pos += 16) {
    if (pos + 16 > header.totalSize) fail(pos, 'memory reservation block', 'no terminating zero entry before totalsize');
    const address = view.getBigUint64(pos, false);
    const size = view.getBigUint64(pos + 8, false);
    if (address === 0n && size === 0n) break;
    fdt.reservations.push({ address, size });
  }

  // 5.5 strings block.
  const stringsStart = header.offDtStrings;
  const stringsEnd = stringsStart + header.sizeDtStrings;
  const propertyName = (at: number, nameoff: number): string => {
    if (nameoff >= header.sizeDtStrings) fail(at, 'nameoff', `${nameoff} is outside the strings block (${header.sizeDtStrings} bytes)`);
    const start = stringsStart + nameoff;
    const nul = blob.indexOf(0, start);
    if (nul < 0 || nul >= stringsEnd) fail(at, 'nameoff', `property name at strings+${nameoff} is not NUL-terminated`);
    return decoder.decode(blob.subarray(start, nul));
  };

  // 5.4 structure block.
  const end = header.sizeDtStruct === undefined ? header.totalSize : header.offDtStruct + header.sizeDtStruct;
  let pos = header.offDtStruct;
  const word = (field: string): number => {
    if (pos + 4 > end) fail(pos, field, 'structure block is truncated');
    const v = view.getUint32(pos, false);
    pos += 4;
    return v;
  };
  const align4 = (): void => {
    pos = (pos + 3) & ~3;
  };

  let current: FdtNode | undefined;
  let rootSeen = false;
  for (;;) {
    const at = pos;
    const token = word('token');
    switch (token) {
      case FDT_BEGIN_NODE: {
        const nul = blob.indexOf(0, pos);
        if (nul < 0 || nul >= end) fail(pos, 'FDT_BEGIN_NODE name', 'node name is not NUL-terminated within the structure block');
        const name = decoder.decode(blob.subarray(pos, nul));
        pos = nul + 1;
        align4();
        if (current === undefined) {
          if (rootSeen) fail(at, 'FDT_BEGIN_NODE', 'a second root node');
          if (name !== '' && name !== '/') fail(at, 'FDT_BEGIN_NODE', `root node has name "${name}"`);
          rootSeen = true;
          current = fdt.root;
        } else {
          current = current.addParsed(name);
        }
        break;
      }
      case FDT_END_NODE:
        if (current === undefined) fail(at, 'FDT_END_NODE', 'no node is open');
        current = current!.parent;
        break;
      case FDT_PROP: {
        if (current === undefined) fail(at, 'FDT_PROP', 'property outside any node');
        const len = word('FDT_PROP len');
        const nameoff = word('FDT_PROP nameoff');
        const name = propertyName(at + 8, nameoff);
        if (pos + len > end) fail(pos, `FDT_PROP ${name} value`, `${len}-byte value runs past the structure block`);
        const value = blob.slice(pos, pos + len);
        current!.addParsedProperty(new FdtProperty(name, value, { file, offset: pos }));
        pos += len;
        align4();
        break;
      }
      case FDT_NOP:
        break;
      case FDT_END:
        if (!rootSeen) fail(at, 'FDT_END', 'structure block has no root node');
        if (current !== undefined) fail(at, 'FDT_END', `node ${current.path} is not closed`);
        return fdt;
      default:
        fail(at, 'token', `unknown structure token 0x${token.toString(16)}`);
    }
  }
}
