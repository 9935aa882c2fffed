import { checkSnapshotFields } from './snapshot-fields.js';
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { FormatError } from '@vm/core';
import { MACHINE_SNAPSHOT_VERSION, upgradeMachineSnapshot, type DiskSnapshot, type MachineSnapshot } from './machine-snapshot.js';
import { fromPlainJson, toPlainJson } from './plain-json.js';
import { chunkLength, type ImageChunk, type SparseImage } from './sparse-image.js';

/**
 * The .vmsnap container (all integers little-endian):
 *
 *   magic     8 bytes  "VMSNAP\r\n"
 *   version   u32      VMSNAP_FORMAT_VERSION
 *   sections  u32      number of sections
 *   section × n:
 *     nameLen u16, name (UTF-8)
 *     length  u64      payload bytes
 *     crc32   u32      CRC-32 of the payload
 *     payload
 *   trailer   32 bytes SHA-256 of every byte before it
 *
 * Sections: "header" — the MachineSnapshot as raw-deflated plain JSON, with every sparse image
 * replaced by {"$section": NAME}; "ram", "disk<i>", "disk<i>.base" — sparse images:
 *   size u64, chunkSize u32, count u32, then per stored chunk: index u32, deflated length u32,
 *   raw-deflated chunk bytes (only chunks that differ from the default: zero, or an overlay's base).
 */
export const VMSNAP_MAGIC = Uint8Array.from([0x56, 0x4d, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]);
export const VMSNAP_FORMAT_VERSION = 1;
const TRAILER_BYTES = 32;
const HEADER_SECTION = 'header';

export interface EncodeOptions {
  /** zlib level for RAM and disk chunks (default 1: fast; the header always uses 6). */
  readonly level?: number;
}

interface SectionRef {
  readonly $section: string;
}

export function encodeSnapshot(s: MachineSnapshot, options: EncodeOptions = {}): Uint8Array[] {
  const images = new Map<string, SparseImage>();
  const ref = (name: string, img: SparseImage): SectionRef => {
    images.set(name, img);
    return { $section: name };
  };
  const stripDisk = (d: DiskSnapshot, name: string): unknown => {
    switch (d.kind) {
      case 'memory':
        return { ...d, data: ref(name, d.data) };
      case 'file':
        return d;
      case 'overlay':
        return { ...d, data: ref(name, d.data), base: stripDisk(d.base, `${name}.base`) };
    }
  };
  const header = { ...s, ram: ref('ram', s.ram), disks: s.disks.map((d, i) => stripDisk(d, `disk${i}`)) };
  const sections: [string, Uint8Array[]][] = [[HEADER_SECTION, [deflateRawSync(Buffer.from(toPlainJson(header), 'utf8'))]]];
  for (const [name, img] of images) sections.push([name, encodeSparse(img, options.level ?? 1)]);

  const head = new Uint8Array(16);
  head.set(VMSNAP_MAGIC);
  const hv = new DataView(head.buffer);
  hv.setUint32(8, VMSNAP_FORMAT_VERSION, true);
  hv.setUint32(12, sections.length, true);
  const parts: Uint8Array[] = [head];
  for (const [name, payload] of sections) {
    const nameBytes = Buffer.from(name, 'utf8');
    const sh = new Uint8Array(2 + nameBytes.length + 12);
    const v = new DataView(sh.buffer);
    v.setUint16(0, nameBytes.length, true);
    sh.set(nameBytes, 2);
    let crc = 0;
    let length = 0;
    for (const p of payload) {
      crc = crc32(p, crc);
      length += p.length;
    }
    v.setBigUint64(2 + nameBytes.length, BigInt(length), true);
    v.setUint32(2 + nameBytes.length + 8, crc, true);
    parts.push(sh, ...payload);
  }
  const sha = createHash('sha256');
  for (const p of parts) sha.update(p);
  parts.push(sha.digest());
  return parts;
}

function encodeSparse(img: SparseImage, level: number): Uint8Array[] {
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  v.setBigUint64(0, BigInt(img.size), true);
  v.setUint32(8, img.chunkSize, true);
  v.setUint32(12, img.chunks.length, true);
  const out: Uint8Array[] = [head];
  for (const c of img.chunks) {
    const z = deflateRawSync(c.data, { level });
    const ch = new Uint8Array(8);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, c.index, true);
    cv.setUint32(4, z.length, true);
    out.push(ch, z);
  }
  return out;
}

/** Parse a .vmsnap image; `file` names it in errors. Every check happens before anything is returned. */
export function decodeSnapshot(bytes: Uint8Array, file: string): MachineSnapshot {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, n: number, field: string): void => {
    if (offset + n > bytes.length) {
      throw new FormatError(file, offset, field, `truncated: needs ${n} bytes at offset ${offset}, the file ends at ${bytes.length}`);
    }
  };
  need(0, VMSNAP_MAGIC.length, 'magic');
  if (!VMSNAP_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new FormatError(file, 0, 'magic', 'not a vm snapshot (the file does not start with the .vmsnap magic)');
  }
  need(8, 8, 'version');
  const version = view.getUint32(8, true);
  if (version !== VMSNAP_FORMAT_VERSION) {
    throw new FormatError(file, 8, 'version', `snapshot format version ${version} is not supported (this build reads version ${VMSNAP_FORMAT_VERSION})`);
  }
  const count = view.getUint32(12, true);
  const sections = new Map<string, Uint8Array>();
  const offsets = new Map<string, number>();
  let at = 16;
  for (let i = 0; i < count; i++) {
    const label = `section ${i}`;
    need(at, 2, `${label} name length`);
    const nameLen = view.getUint16(at, true);
    need(at + 2, nameLen, `${label} name`);
    const raw = Buffer.from(bytes.subarray(at + 2, at + 2 + nameLen)).toString('utf8');
    // Names come from the file: printed only when plain, so an error never echoes arbitrary bytes.
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) throw new FormatError(file, at + 2, `${label} name`, `not a section name (${nameLen} bytes; letters, digits and _ . : - expected)`);
    const name = raw;
    at += 2 + nameLen;
    need(at, 12, `section '${name}' length and checksum`);
    const length = Number(view.getBigUint64(at, true));
    const crc = view.getUint32(at + 8, true);
    at += 12;
    need(at, length, `section '${name}'`);
    const payload = bytes.subarray(at, at + length);
    const actual = crc32(payload);
    if (actual !== crc) {
      throw new FormatError(file, at, `section '${name}'`, `checksum mismatch: CRC-32 is ${hex32(actual)}, recorded ${hex32(crc)} — the section is corrupted`);
    }
    if (sections.has(name)) throw new FormatError(file, at, `section '${name}'`, 'section appears twice');
    sections.set(name, payload);
    offsets.set(name, at);
    at += length;
  }
  need(at, TRAILER_BYTES, 'trailer');
  const digest = createHash('sha256').update(bytes.subarray(0, at)).digest();
  if (!digest.equals(bytes.subarray(at, at + TRAILER_BYTES))) {
    throw new FormatError(file, at, 'trailer', 'checksum mismatch: the SHA-256 over the file does not match — the file is corrupted');
  }
  if (at + TRAILER_BYTES !== bytes.length) {
    throw new FormatError(file, at + TRAILER_BYTES, 'trailer', `${bytes.length - at - TRAILER_BYTES} unexpected bytes after the trailer`);
  }

  const headerBytes = sections.get(HEADER_SECTION);
  if (headerBytes === undefined) throw new FormatError(file, 16, "section 'header'", 'missing');
  const headerAt = offsets.get(HEADER_SECTION)!;
  let header: unknown;
  try {
    header = fromPlainJson(Buffer.from(inflateRawSync(headerBytes)).toString('utf8'));
  } catch (e) {
    throw new FormatError(file, headerAt, "section 'header'", `not a valid snapshot header: ${e instanceof Error ? e.message : String(e)}`);
  }
  const resolve = (r: unknown, where: string): SparseImage => {
    const name = (r as Partial<SectionRef> | null)?.$section;
    if (typeof name !== 'string') throw new FormatError(file, headerAt, "section 'header'", `${where}: missing section reference`);
    const payload = sections.get(name);
    if (payload === undefined) throw new FormatError(file, headerAt, "section 'header'", `${where}: refers to missing section '${name}'`);
    return decodeSparse(payload, file, name, offsets.get(name)!);
  };
  const h = header as Record<string, unknown>;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new FormatError(file, headerAt, "section 'header'", 'not an object');
  if (h.version !== 1 && h.version !== MACHINE_SNAPSHOT_VERSION) {
    const v = typeof h.version === 'number' && Number.isSafeInteger(h.version) ? String(h.version) : 'missing or not a number';
    throw new FormatError(file, headerAt, "section 'header'", `version: ${v}: this build reads machine snapshot versions 1 and ${MACHINE_SNAPSHOT_VERSION}`);
  }
  checkSnapshotFields(h, (field, problem) => {
    throw new FormatError(file, headerAt, `header field ${field}`, problem);
  });
  const diskData = (d: Record<string, unknown>, where: string): SparseImage => {
    const data = resolve(d.data, where);
    if (data.size !== d.size || data.chunkSize > 2 ** 31) throw new FormatError(file, headerAt, `header field ${where}`, `a ${data.size}-byte image for a ${String(d.size)}-byte disk`);
    return data;
  };
  const fillDisk = (d: Record<string, unknown>, where: string): DiskSnapshot => {
    if (d.kind === 'file') return d as unknown as DiskSnapshot;
    if (d.kind === 'memory') return { ...(d as unknown as DiskSnapshot), data: diskData(d, where) } as DiskSnapshot;
    if (d.kind === 'overlay') {
      return { ...(d as unknown as DiskSnapshot), data: diskData(d, where), base: fillDisk(d.base as Record<string, unknown>, `${where} base`) } as DiskSnapshot;
    }
    throw new FormatError(file, headerAt, "section 'header'", `${where}: unknown disk kind ${String(d.kind)}`);
  };
  const ram = resolve(h.ram, 'ram');
  const memory = (h.config as { memory: number }).memory;
  if (ram.size !== memory || ram.chunkSize > memory) throw new FormatError(file, headerAt, 'header field ram', `a ${ram.size}-byte image in ${ram.chunkSize}-byte chunks for config.memory ${memory}`);
  return upgradeMachineSnapshot({
    ...(h as unknown as MachineSnapshot),
    ram,
    disks: (h.disks as Record<string, unknown>[]).map((d, i) => fillDisk(d, `disk ${i}`)),
  });
}

function decodeSparse(p: Uint8Array, file: string, name: string, base: number): SparseImage {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const field = `section '${name}'`;
  const fail = (off: number, problem: string): never => {
    throw new FormatError(file, base + off, field, problem);
  };
  if (p.length < 16) fail(0, `truncated: image header needs 16 bytes, the section has ${p.length}`);
  const size = Number(v.getBigUint64(0, true));
  const chunkSize = v.getUint32(8, true);
  const count = v.getUint32(12, true);
  if (chunkSize === 0 || chunkSize % 4096 !== 0) fail(8, `bad chunk size ${chunkSize}`);
  const chunks: ImageChunk[] = [];
  let at = 16;
  let last = -1;
  for (let i = 0; i < count; i++) {
    if (at + 8 > p.length) fail(at, `truncated: chunk ${i} of ${count} is missing`);
    const index = v.getUint32(at, true);
    const zlen = v.getUint32(at + 4, true);
    if (index <= last) fail(at, `chunk ${i} has index ${index} after ${last}`);
    const len = chunkLength(size, chunkSize, index);
    if (len === 0) fail(at, `chunk index ${index} lies beyond the ${size}-byte image`);
    if (at + 8 + zlen > p.length) fail(at + 8, `truncated: chunk ${index} needs ${zlen} bytes`);
    let data: Uint8Array;
    try {
      data = new Uint8Array(inflateRawSync(p.subarray(at + 8, at + 8 + zlen)));
    } catch (e) {
      return fail(at + 8, `chunk ${index} does not inflate: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (data.length !== len) fail(at + 8, `chunk ${index} inflates to ${data.length} bytes, expected ${len}`);
    chunks.push({ index, data });
    last = index;
    at += 8 + zlen;
  }
  if (at !== p.length) fail(at, `${p.length - at} bytes after the last chunk`);
  return { size, chunkSize, chunks };
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
