/**
 * Every field of a decoded .vmsnap header checked before anything is built from it: checksums
 * only say the file is what its writer wrote, not that the writer was this program. A bad field
 * is an error naming it (`config.quantum: 0: a whole number from 1`), never a trace, a spin or an
 * allocation the host cannot make.
 */
import { MAX_RAM_BYTES } from '@vm/mmu';

type Fail = (field: string, problem: string) => never;
type Obj = Record<string, unknown>;

const show = (v: unknown): string => {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : `a ${v.constructor?.name ?? 'value'}`;
};

function obj(v: unknown, field: string, fail: Fail): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `${show(v)}: missing or not an object`);
  return v as Obj;
}

function int(o: Obj, key: string, where: string, fail: Fail, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`${where}.${key}`, `${show(v)}: a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`);
  }
  return v as number;
}

function big(o: Obj, key: string, where: string, fail: Fail, nullable = false): void {
  const v = o[key];
  if (nullable && v === null) return;
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) fail(`${where}.${key}`, `${show(v)}: a 64-bit unsigned integer${nullable ? ' or null' : ''}`);
}

function bool(o: Obj, key: string, where: string, fail: Fail): void {
  if (typeof o[key] !== 'boolean') fail(`${where}.${key}`, `${show(o[key])}: true or false`);
}

const HART_NUMBERS: readonly [string, number][] = [
  ['fflags', 31], ['frm', 7], ['mstatus', Number.MAX_SAFE_INTEGER], ['mie', 0xffff_ffff], ['mipSw', 0xffff_ffff], ['mipHw', 0xffff_ffff],
  ['mideleg', 0xffff_ffff], ['medeleg', 0xffff_ffff], ['mcounteren', 0xffff_ffff], ['scounteren', 0xffff_ffff], ['mcountinhibit', 0xffff_ffff],
];
const HART_BIGINTS = ['pc', 'mtvec', 'stvec', 'mepc', 'sepc', 'mcause', 'scause', 'mtval', 'stval', 'mscratch', 'sscratch', 'satp', 'menvcfg', 'senvcfg', 'stimecmp', 'cycleOffset', 'instretOffset'];
const VIRTIO_KINDS = ['blk', 'rng', 'net', 'console'];

/** Check a decoded header (version 1 or 2, before upgrade); `fail` throws. */
export function checkSnapshotFields(h: Obj, fail: Fail): void {
  const c = obj(h.config, 'config', fail);
  const memory = int(c, 'memory', 'config', fail, 1 << 20, MAX_RAM_BYTES);
  if (memory % 4096 !== 0) fail('config.memory', `${memory}: not a multiple of 4 KiB`);
  const harts = int(c, 'harts', 'config', fail, 1, 8);
  if (c.clock !== 'virtual' && c.clock !== 'wall') fail('config.clock', `${show(c.clock)}: 'virtual' or 'wall'`);
  int(c, 'instructionsPerTick', 'config', fail, 1, 1_000_000);
  const quantum = int(c, 'quantum', 'config', fail, 1, 1_000_000_000);
  big(c, 'rtcEpochNs', 'config', fail, true);
  bool(c, 'hExtension', 'config', fail);
  if (h.version !== 1) bool(c, 'forceLegacy', 'config', fail);
  const disks = h.disks;
  if (!Array.isArray(disks)) fail('disks', `${show(disks)}: missing or not an array`);
  const nDisks = (disks as unknown[]).length;
  if (!Array.isArray(c.virtio)) fail('config.virtio', `${show(c.virtio)}: not an array`);
  (c.virtio as unknown[]).forEach((v, i) => {
    const w = `config.virtio[${i}]`;
    const s = obj(v, w, fail);
    int(s, 'slot', w, fail, 0, 7);
    if (!VIRTIO_KINDS.includes(s.kind as string)) fail(`${w}.kind`, `${show(s.kind)}: one of ${VIRTIO_KINDS.join(', ')}`);
    int(s, 'queueSize', w, fail, 1, 32768);
    if (s.kind === 'blk') int(s, 'disk', w, fail, 0, nDisks - 1);
    if (s.kind === 'net' && (!Array.isArray(s.mac) || s.mac.length !== 6 || !s.mac.every((b) => Number.isInteger(b) && b >= 0 && b < 256))) fail(`${w}.mac`, `${show(s.mac)}: six bytes`);
  });
  if (c.pioDisk !== null) int(c, 'pioDisk', 'config', fail, 0, nDisks - 1);

  const b = obj(h.board, 'board', fail);
  if (b.version !== 1 && b.version !== 2) fail('board.version', `${show(b.version)}: this build reads board state versions 1 and 2`);
  int(b, 'timeline', 'board', fail, 0);
  int(b, 'current', 'board', fail, 0, harts - 1);
  if (!Array.isArray(b.waiting) || b.waiting.length !== harts || !b.waiting.every((w) => typeof w === 'boolean')) fail('board.waiting', `${show(b.waiting)}: ${harts} booleans (config.harts)`);
  if (b.version === 2) {
    // The round in progress: a turn is at most a quantum long.
    int(b, 'used', 'board', fail, 0, quantum);
    bool(b, 'ranAny', 'board', fail);
  }
  if (h.clock !== null) {
    const k = obj(h.clock, 'clock', fail);
    if (k.version !== 1) fail('clock.version', `${show(k.version)}: this build reads clock version 1`);
    int(k, 'skipped', 'clock', fail, 0);
  }

  if (!Array.isArray(h.harts) || h.harts.length !== harts) fail('harts', `${show(h.harts)}: ${harts} entries (config.harts)`);
  (h.harts as unknown[]).forEach((e, i) => {
    const w = `harts[${i}]`;
    const s = obj(obj(e, w, fail).hart, `${w}.hart`, fail);
    const hw = `${w}.hart`;
    if (s.version !== 1) fail(`${hw}.version`, `${show(s.version)}: this build reads hart state version 1`);
    if (!(s.x instanceof BigUint64Array) || s.x.length !== 32) fail(`${hw}.x`, `${show(s.x)}: 32 64-bit registers`);
    if (!(s.f instanceof BigUint64Array) || s.f.length !== 32) fail(`${hw}.f`, `${show(s.f)}: 32 64-bit registers`);
    if (s.priv !== 0 && s.priv !== 1 && s.priv !== 3) fail(`${hw}.priv`, `${show(s.priv)}: 0 (U), 1 (S) or 3 (M)`);
    int(s, 'retired', hw, fail, 0);
    for (const [k, max] of HART_NUMBERS) int(s, k, hw, fail, 0, max);
    for (const k of HART_BIGINTS) big(s, k, hw, fail);
    big(s, 'reservation', hw, fail, true);
    if (s.sstcPending !== undefined) bool(s, 'sstcPending', hw, fail);
    obj((e as Obj).mmu, `${w}.mmu`, fail);
  });
  obj(h.devices, 'devices', fail);
  if (!(h.rom instanceof Uint8Array) || h.rom.length > 1 << 20) fail('rom', `${show(h.rom)}: bytes (at most 1 MiB)`);
  if (h.htif !== null) int(obj(h.htif, 'htif', fail), 'tohost', 'htif', fail, 0);

  (disks as unknown[]).forEach((d, i) => checkDisk(d, `disks[${i}]`, fail));
}

function checkDisk(d: unknown, w: string, fail: Fail): void {
  const s = obj(d, w, fail);
  int(s, 'size', w, fail, 0);
  if (s.kind === 'file') {
    if (typeof s.path !== 'string' || s.path === '') fail(`${w}.path`, `${show(s.path)}: a file name`);
    if (typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) fail(`${w}.sha256`, `${show(s.sha256)}: 64 hex digits`);
    bool(s, 'readOnly', w, fail);
  } else if (s.kind === 'memory') bool(s, 'readOnly', w, fail);
  else if (s.kind === 'overlay') checkDisk(s.base, `${w}.base`, fail);
  else fail(`${w}.kind`, `${show(s.kind)}: 'file', 'memory' or 'overlay'`);
}
