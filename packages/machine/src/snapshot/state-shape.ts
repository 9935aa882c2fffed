import { VmError } from '@vm/core';
import { SnapshotRestoreError } from './restore-error.js';

/**
 * A component's state read from a snapshot, checked against the state this build's component
 * produces itself (`ref`, captured from the board being restored) before the component sees it:
 * a checksum-valid file with a hand-edited state must fail with a line naming the field, not
 * with a TypeError deep inside a device (issue 16: snapshot contents validated before use).
 *
 * Where `ref` holds a value the snapshot's must be of the same kind: a bigint, a whole number
 * (when `ref`'s is whole; else a finite number), a boolean, a string, null, a typed array of the
 * same type and size, an array, an object whose members present in both match. An array `ref`
 * has entries in is a table of this board (PMP entries, PLIC sources): same length, each entry
 * checked; an empty one (a FIFO, a queue) may hold anything.
 */
export function checkStateShape(component: string, ref: unknown, value: unknown, path = ''): void {
  const fail = (what: string): never => {
    throw new SnapshotRestoreError(component, `${path === '' ? 'state' : path.slice(1)}: ${what}`);
  };
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : ArrayBuffer.isView(v) ? v.constructor.name : typeof v);
  if (ref === undefined) return;
  if (kind(ref) !== kind(value)) fail(`a ${kind(value)} where this build has a ${kind(ref)}`);
  if (typeof ref === 'number') {
    const n = value as number;
    if (!Number.isFinite(n)) fail(`${n} is not a finite number`);
    if (Number.isInteger(ref) && !Number.isSafeInteger(n)) fail(`${n} is not a whole number`);
  } else if (typeof ref === 'bigint') {
    const b = value as bigint;
    if (b < -(1n << 64n) || b >= 1n << 64n) fail('beyond 64 bits');
  } else if (Array.isArray(ref)) {
    const a = value as unknown[];
    // A table of fixed size on this board (PMP entries, PLIC sources, one per hart) keeps it.
    if (ref.length > 0 && a.length !== ref.length) fail(`${a.length} entries where this board has ${ref.length}`);
    if (ref.length > 0) a.forEach((v, i) => checkStateShape(component, ref[Math.min(i, ref.length - 1)], v, `${path}[${i}]`));
  } else if (ArrayBuffer.isView(ref)) {
    const n = (value as ArrayBufferView).byteLength;
    if (n !== ref.byteLength) fail(`${n} bytes where this board has ${ref.byteLength}`);
  } else if (ref !== null && typeof ref === 'object') {
    const o = value as Record<string, unknown>;
    for (const [k, r] of Object.entries(ref as Record<string, unknown>)) if (Object.hasOwn(o, k)) checkStateShape(component, r, o[k], `${path}.${k}`);
  }
}

/** Run a component's restore; an exception other than our own errors names the component. */
export function restoreComponent(component: string, load: () => void): void {
  try {
    load();
  } catch (e) {
    if (e instanceof VmError) throw e;
    throw new SnapshotRestoreError(component, `its state does not load in this build (${e instanceof Error ? e.message : String(e)})`);
  }
}
