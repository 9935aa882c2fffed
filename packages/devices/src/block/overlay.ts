import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { ConfigError } from '@vm/core';
import { BlockBackendError, checkRange, type BlockBackend } from './backend.js';
import { FileBlockBackend } from './file.js';

export interface OverlayBlockBackendOptions {
  /** Copy-on-write granularity in bytes (power of two ≥ 512, default 4096). */
  readonly clusterSize?: number;
  /**
   * Keep written clusters in this host file (created or truncated, sparse, as large as the base)
   * instead of host memory. The allocation map lives in memory: the file is a scratch area for
   * this run, not a reusable image format.
   */
  readonly overlayFile?: string;
  /** Close the base backend when the overlay is closed (default true). */
  readonly closeBase?: boolean;
}

/** Where written clusters live; every call stays inside one cluster. */
interface ClusterStore {
  has(cluster: number): boolean;
  read(offset: number, into: Uint8Array): void;
  /** Store a whole cluster's contents. */
  put(cluster: number, offset: number, data: Uint8Array): void;
  flush(): void;
  close(): void;
}

class MemoryClusterStore implements ClusterStore {
  private readonly clusters = new Map<number, Uint8Array>();
  constructor(private readonly clusterSize: number) {}
  has(cluster: number): boolean {
    return this.clusters.has(cluster);
  }
  read(offset: number, into: Uint8Array): void {
    const cluster = Math.floor(offset / this.clusterSize);
    const at = offset - cluster * this.clusterSize;
    into.set(this.clusters.get(cluster)!.subarray(at, at + into.length));
  }
  put(cluster: number, _offset: number, data: Uint8Array): void {
    this.clusters.set(cluster, data);
  }
  flush(): void {}
  close(): void {
    this.clusters.clear();
  }
}

class FileClusterStore implements ClusterStore {
  private readonly allocated = new Set<number>();
  private readonly file: FileBlockBackend;
  constructor(path: string, size: number, clusterSize: number) {
    try {
      const fd = openSync(path, 'w');
      try {
        ftruncateSync(fd, size);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new BlockBackendError(path, e instanceof Error ? e.message : String(e));
    }
    this.file = new FileBlockBackend(path, { cacheBlockSize: clusterSize });
  }
  has(cluster: number): boolean {
    return this.allocated.has(cluster);
  }
  read(offset: number, into: Uint8Array): void {
    this.file.read(offset, into);
  }
  put(cluster: number, offset: number, data: Uint8Array): void {
    this.file.write(offset, data);
    this.allocated.add(cluster);
  }
  flush(): void {
    this.file.flush();
  }
  close(): void {
    this.file.close();
  }
}

/**
 * Copy-on-write over a base image (QEMU's `-snapshot` without qcow2): reads of clusters never
 * written fall through to the base; the first write to a cluster copies it from the base and the
 * copy takes all later writes. The base is only ever read, so it may be opened read-only.
 */
export class OverlayBlockBackend implements BlockBackend {
  readonly size: number;
  readonly readOnly = false;
  private readonly clusterSize: number;
  private readonly store: ClusterStore;
  private readonly closeBase: boolean;
  private closed = false;

  constructor(
    readonly base: BlockBackend,
    options: OverlayBlockBackendOptions = {},
  ) {
    this.size = base.size;
    this.clusterSize = options.clusterSize ?? 4096;
    if (!Number.isInteger(this.clusterSize) || this.clusterSize < 512 || (this.clusterSize & (this.clusterSize - 1)) !== 0) {
      throw new ConfigError(`clusterSize must be a power of two ≥ 512, got ${this.clusterSize}`);
    }
    this.closeBase = options.closeBase ?? true;
    this.store =
      options.overlayFile === undefined
        ? new MemoryClusterStore(this.clusterSize)
        : new FileClusterStore(options.overlayFile, this.size, this.clusterSize);
  }

  read(offset: number, into: Uint8Array): void {
    this.checkOpen();
    checkRange('overlay', this.size, offset, into.length);
    const end = offset + into.length;
    let pos = offset;
    while (pos < end) {
      const cluster = Math.floor(pos / this.clusterSize);
      const n = Math.min(end, (cluster + 1) * this.clusterSize) - pos;
      const part = into.subarray(pos - offset, pos - offset + n);
      if (this.store.has(cluster)) this.store.read(pos, part);
      else this.base.read(pos, part);
      pos += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    this.checkOpen();
    checkRange('overlay', this.size, offset, data.length);
    const end = offset + data.length;
    let pos = offset;
    while (pos < end) {
      const cluster = Math.floor(pos / this.clusterSize);
      const start = cluster * this.clusterSize;
      const len = Math.min(this.clusterSize, this.size - start);
      const n = Math.min(end, start + len) - pos;
      const contents = new Uint8Array(len);
      if (n !== len) {
        if (this.store.has(cluster)) this.store.read(start, contents);
        else this.base.read(start, contents);
      }
      contents.set(data.subarray(pos - offset, pos - offset + n), pos - start);
      this.store.put(cluster, start, contents);
      pos += n;
    }
  }

  flush(): void {
    this.checkOpen();
    this.store.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.store.close();
    } finally {
      if (this.closeBase) this.base.close();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new BlockBackendError('overlay', 'backend is closed');
  }
}
