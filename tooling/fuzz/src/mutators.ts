import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { rng } from './guest-generator.js';

/**
 * Byte-level mutations, seeded: the same (input, seed) always gives the same output. Each case
 * applies 1–4 of: flip a bit, set a byte to an edge value, overwrite a 32/64-bit field with an edge
 * value, truncate, duplicate or delete a block, append junk.
 */
const EDGES = [0, 1, 0x7f, 0x80, 0xff];
const WIDE = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1000, 0xfff, 0x4000_0000];

export function mutateBytes(input: Uint8Array, seed: number): Uint8Array {
  const r = rng(seed);
  let b = new Uint8Array(input);
  const n = 1 + (r() % 4);
  for (let k = 0; k < n; k++) {
    const at = b.length === 0 ? 0 : r() % b.length;
    switch (r() % 8) {
      case 0:
      case 1:
        if (b.length > 0) b[at] = b[at]! ^ (1 << (r() % 8));
        break;
      case 2:
        if (b.length > 0) b[at] = EDGES[r() % EDGES.length]!;
        break;
      case 3:
        if (b.length >= at + 4) new DataView(b.buffer).setUint32(at, WIDE[r() % WIDE.length]!, true);
        break;
      case 4:
        if (b.length >= at + 8) new DataView(b.buffer).setBigUint64(at, r() % 2 ? 0xffff_ffff_ffff_ffffn : BigInt(r()) << 20n, true);
        break;
      case 5:
        b = b.subarray(0, at);
        break;
      case 6: {
        const len = Math.min(b.length - at, 1 + (r() % 256));
        const out = new Uint8Array(b.length + len);
        out.set(b.subarray(0, at + len));
        out.set(b.subarray(at), at + len);
        b = out;
        break;
      }
      default: {
        const junk = new Uint8Array(1 + (r() % 64)).map(() => r() & 0xff);
        const out = new Uint8Array(b.length + junk.length);
        out.set(b);
        out.set(junk, b.length);
        b = out;
      }
    }
  }
  return b;
}

/** A .vmsnap section as laid out in vmsnap-format.ts: name, and where its payload lies. */
interface Section {
  readonly name: string;
  readonly headAt: number;
  readonly payloadAt: number;
  readonly length: number;
}

/** The sections of a well-formed .vmsnap (the seed file), for crafting. */
export function vmsnapSections(bytes: Uint8Array): Section[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Section[] = [];
  let at = 16;
  for (let i = 0; i < v.getUint32(12, true); i++) {
    const nameLen = v.getUint16(at, true);
    const name = Buffer.from(bytes.subarray(at + 2, at + 2 + nameLen)).toString('utf8');
    const length = Number(v.getBigUint64(at + 2 + nameLen, true));
    out.push({ name, headAt: at, payloadAt: at + 2 + nameLen + 12, length });
    at += 2 + nameLen + 12 + length;
  }
  return out;
}

/**
 * Rebuild a .vmsnap around new section payloads with every checksum recomputed — each section's
 * CRC-32 and the trailing SHA-256 (the layout of vmsnap-format.ts) — so a crafted header gets past
 * the integrity checks and reaches the field validation.
 */
export function sealVmsnap(version: number, sections: readonly { name: string; payload: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(16);
  head.set([0x56, 0x4d, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]);
  new DataView(head.buffer).setUint32(8, version, true);
  new DataView(head.buffer).setUint32(12, sections.length, true);
  parts.push(head);
  for (const s of sections) {
    const name = Buffer.from(s.name, 'utf8');
    const sh = new Uint8Array(2 + name.length + 12);
    const v = new DataView(sh.buffer);
    v.setUint16(0, name.length, true);
    sh.set(name, 2);
    v.setBigUint64(2 + name.length, BigInt(s.payload.length), true);
    v.setUint32(2 + name.length + 8, crc32(s.payload), true);
    parts.push(sh, s.payload);
  }
  const sha = createHash('sha256');
  for (const p of parts) sha.update(p);
  parts.push(sha.digest());
  return Buffer.concat(parts);
}

/**
 * A JSON value with one seeded edit: a number replaced by an edge value (negative, huge,
 * fractional, NaN-like strings), a field deleted, a string/array/object swapped for another type.
 * Walks to a random leaf or container first.
 */
export function mutateJson(value: unknown, seed: number): unknown {
  const r = rng(seed);
  const copy = structuredClone(value) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (paths.length > 5000) return;
    if (Array.isArray(v)) v.slice(0, 64).forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(copy, []);
  const edits = 1 + (r() % 3);
  let root = copy;
  for (let e = 0; e < edits; e++) {
    const path = paths[1 + (r() % Math.max(1, paths.length - 1))] ?? [];
    if (path.length === 0) continue;
    let parent = root as Record<string | number, unknown>;
    for (const p of path.slice(0, -1)) {
      const next = parent?.[p];
      if (typeof next !== 'object' || next === null) {
        parent = undefined as never;
        break;
      }
      parent = next as Record<string | number, unknown>;
    }
    if (parent === undefined) continue;
    const key = path[path.length - 1]!;
    const choices: unknown[] = [undefined, null, -1, 0, 2 ** 53, 2 ** 64, 1.5, -0.5, '', 'x', [], {}, true, '0x80000000', { $bigint: '-1' }, { $bigint: '18446744073709551616' }, { $bytes: '!!' }];
    const pick = choices[r() % choices.length];
    if (pick === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else parent[key] = pick;
  }
  root = copy;
  return root;
}
