import { closeSync, openSync, writeSync } from 'node:fs';
import type { HostKernel } from '@vm/hostos';

/** Bytes compared and written at a time. */
const BLOCK = 64 << 10;

/**
 * A hosted guest's disk is a file of the host OS's (in-memory) file system while it runs; this
 * carries what the guest wrote to the real image on the host: `sync()` after each host OS slice in
 * which the guest wrote (a write completed to the guest is on the image by the end of that slice)
 * and at exit, SIGINT, SIGTERM and SIGHUP. Only blocks that changed since the last sync are
 * written, with pwrite into the image opened once. On SIGKILL what the guest completed before the
 * last slice boundary is on the image (in the host's page cache: a process kill loses none of it).
 */
export class ImageWriteBack {
  private readonly fd: number;
  private last: Uint8Array;
  private written = -1;

  constructor(
    private readonly kernel: HostKernel,
    /** The disk's path on the host OS's file system (/images/NAME/disk.img). */
    private readonly hostPath: string,
    readonly file: string,
    /** The guest's bytes written so far (the VMM's counter): no sync when it has not moved. */
    private readonly bytesWritten: () => number,
    initial: Uint8Array,
  ) {
    this.fd = openSync(file, 'r+');
    this.last = initial.slice();
  }

  sync(): void {
    const w = this.bytesWritten();
    if (w === this.written) return;
    this.written = w;
    const inode = this.kernel.fs.lookup(this.hostPath);
    if (inode === undefined) return;
    const now = this.kernel.fs.readAll(inode);
    for (let at = 0; at < now.length; at += BLOCK) {
      const a = now.subarray(at, at + BLOCK);
      const b = this.last.subarray(at, at + BLOCK);
      if (a.length === b.length && Buffer.compare(a, b) === 0) continue;
      writeSync(this.fd, a, 0, a.length, at);
    }
    this.last = now.slice();
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
  }
}

/** SIGINT, SIGTERM and SIGHUP end a hosted run between slices (so disks are written back): returns the undo. */
export function quitOnSignals(quit: (status: number) => void): () => void {
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', () => quit(130)],
    ['SIGTERM', () => quit(143)],
    ['SIGHUP', () => quit(129)],
  ];
  for (const [s, h] of handlers) process.once(s, h);
  return () => {
    for (const [s, h] of handlers) process.off(s, h);
  };
}
