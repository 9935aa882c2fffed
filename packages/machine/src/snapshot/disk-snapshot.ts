import { createHash } from 'node:crypto';
import { FileBlockBackend, MemoryBlockBackend, OverlayBlockBackend, type BlockBackend, type PioDiskBackend } from '@vm/devices';
import type { DiskSnapshot } from './machine-snapshot.js';
import { SnapshotRestoreError } from './restore-error.js';
import { CHUNK_SIZE, bytesFromSparse, chunkLength, sparseFromBytes, type ImageChunk, type SparseImage } from './sparse-image.js';

/** Record a backend's contents as the guest sees them (flushing a file backend first). */
export function captureDisk(backend: PioDiskBackend): DiskSnapshot {
  if (backend instanceof MemoryBlockBackend) {
    return { kind: 'memory', size: backend.size, readOnly: backend.readOnly, data: sparseFromBytes(backend.bytes) };
  }
  if (backend instanceof FileBlockBackend) {
    backend.flush();
    return { kind: 'file', size: backend.size, readOnly: backend.readOnly, path: backend.path, sha256: hashContents(backend) };
  }
  if (backend instanceof OverlayBlockBackend && (backend.base instanceof FileBlockBackend || backend.base instanceof MemoryBlockBackend)) {
    const base = captureDisk(backend.base);
    return { kind: 'overlay', size: backend.size, base, data: diffChunks(backend, backend.base) };
  }
  // Any other backend: keep its whole guest-visible contents; it comes back as a memory disk.
  const all = new Uint8Array(backend.size);
  backend.read(0, all);
  return { kind: 'memory', size: backend.size, readOnly: backend.readOnly, data: sparseFromBytes(all) };
}

/** Open a backend holding the recorded contents (for a board built from a snapshot). */
export function openDisk(s: DiskSnapshot, what: string): BlockBackend {
  switch (s.kind) {
    case 'memory':
      return new MemoryBlockBackend(bytesFromSparse(s.data), { readOnly: s.readOnly });
    case 'file': {
      // The path comes from the snapshot file, which must never choose a host file to write: the
      // image is opened read-only (and checked against the recorded size and SHA-256); a writable
      // disk gets an in-memory overlay, so the guest's writes never reach that file.
      let b: FileBlockBackend;
      try {
        b = new FileBlockBackend(s.path, { readOnly: true });
      } catch (e) {
        throw new SnapshotRestoreError(what, e instanceof Error ? e.message : String(e));
      }
      try {
        checkFile(b, s, what);
      } catch (e) {
        b.close();
        throw e;
      }
      return s.readOnly ? b : new OverlayBlockBackend(b);
    }
    case 'overlay': {
      const base = openDisk(s.base, `${what} (overlay base)`);
      const o = new OverlayBlockBackend(base);
      for (const c of s.data.chunks) o.write(c.index * s.data.chunkSize, c.data);
      return o;
    }
  }
}

/**
 * Make an existing backend show the recorded contents, writing only chunks that differ. A file
 * disk is checked instead: its bytes must still be the ones recorded. `check` only validates.
 */
export function loadDiskInto(backend: PioDiskBackend, s: DiskSnapshot, what: string, check: boolean): void {
  if (backend.size !== s.size) throw new SnapshotRestoreError(what, `disk is ${backend.size} bytes, snapshot has ${s.size}`);
  if (s.kind === 'file') {
    if (!(backend instanceof FileBlockBackend)) throw new SnapshotRestoreError(what, `snapshot has file ${s.path}, the board has another kind of disk`);
    backend.flush();
    checkFile(backend, s, what);
    return;
  }
  if (s.kind === 'overlay' && s.base.kind === 'file') {
    if (!(backend instanceof OverlayBlockBackend && backend.base instanceof FileBlockBackend)) {
      throw new SnapshotRestoreError(what, `snapshot has an overlay over ${s.base.path}, the board has another kind of disk`);
    }
    checkFile(backend.base, s.base, `${what} (overlay base)`);
  }
  if (backend.readOnly) throw new SnapshotRestoreError(what, 'disk is read-only: cannot load recorded contents');
  if (check) return;
  const stored = new Map<number, Uint8Array>(s.data.chunks.map((c) => [c.index, c.data]));
  const base = s.kind === 'overlay' && backend instanceof OverlayBlockBackend ? backend.base : undefined;
  const baseImage = s.kind === 'overlay' && s.base.kind === 'memory' ? bytesFromSparse(s.base.data) : undefined;
  const chunks = Math.ceil(s.size / s.data.chunkSize);
  for (let i = 0; i < chunks; i++) {
    const at = i * s.data.chunkSize;
    const len = chunkLength(s.size, s.data.chunkSize, i);
    let want = stored.get(i);
    if (want === undefined) {
      want = new Uint8Array(len);
      if (baseImage !== undefined) want.set(baseImage.subarray(at, at + len));
      else if (base !== undefined) base.read(at, want);
    }
    const have = new Uint8Array(len);
    backend.read(at, have);
    if (!Buffer.from(have.buffer).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))) backend.write(at, want);
  }
}

function checkFile(b: FileBlockBackend, s: Extract<DiskSnapshot, { kind: 'file' }>, what: string): void {
  if (b.size !== s.size) throw new SnapshotRestoreError(what, `${s.path} is ${b.size} bytes, the snapshot recorded ${s.size}`);
  const sha = hashContents(b);
  if (sha !== s.sha256) throw new SnapshotRestoreError(what, `${s.path} changed since the snapshot (sha256 ${sha}, recorded ${s.sha256})`);
}

function hashContents(b: PioDiskBackend): string {
  const h = createHash('sha256');
  const buf = new Uint8Array(1 << 20);
  for (let at = 0; at < b.size; at += buf.length) {
    const part = buf.subarray(0, Math.min(buf.length, b.size - at));
    b.read(at, part);
    h.update(part);
  }
  return h.digest('hex');
}

/** Chunks where `top` reads differently from `base`. */
function diffChunks(top: PioDiskBackend, base: PioDiskBackend): SparseImage {
  const chunks: ImageChunk[] = [];
  const a = new Uint8Array(CHUNK_SIZE);
  const b = new Uint8Array(CHUNK_SIZE);
  for (let index = 0; index * CHUNK_SIZE < top.size; index++) {
    const len = chunkLength(top.size, CHUNK_SIZE, index);
    const ta = a.subarray(0, len);
    const tb = b.subarray(0, len);
    top.read(index * CHUNK_SIZE, ta);
    base.read(index * CHUNK_SIZE, tb);
    if (!Buffer.from(ta.buffer, 0, len).equals(Buffer.from(tb.buffer, 0, len))) chunks.push({ index, data: ta.slice() });
  }
  return { size: top.size, chunkSize: CHUNK_SIZE, chunks };
}
