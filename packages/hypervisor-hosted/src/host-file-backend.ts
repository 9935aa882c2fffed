import type { BlockBackend } from '@vm/devices';
import { SYS, type NativeSyscalls } from '@vm/hostos';

/**
 * A guest disk that is a file of the host file system: every read and write is a pread64 /
 * pwrite64 system call of the VMM process through a bounce buffer in its memory (counted).
 */
export class HostFileBackend implements BlockBackend {
  readonly readOnly = false;
  syscalls = 0;
  bytesRead = 0;
  bytesWritten = 0;

  constructor(
    private readonly sys: () => NativeSyscalls,
    private readonly fd: number,
    readonly size: number,
    /** A buffer in the VMM's memory and its size. */
    private readonly buffer: number,
    private readonly bufferSize: number,
  ) {}

  read(offset: number, into: Uint8Array): void {
    const sys = this.sys();
    for (let done = 0; done < into.length; ) {
      const n = Math.min(this.bufferSize, into.length - done);
      this.syscalls++;
      const r = Number(sys.syscall(SYS.pread64, this.fd, this.buffer, n, offset + done));
      if (r <= 0) {
        into.fill(0, done);
        return;
      }
      into.set(sys.peek(this.buffer, r) ?? new Uint8Array(r), done);
      done += r;
      this.bytesRead += r;
    }
  }

  write(offset: number, data: Uint8Array): void {
    const sys = this.sys();
    for (let done = 0; done < data.length; ) {
      const n = Math.min(this.bufferSize, data.length - done);
      sys.poke(this.buffer, data.subarray(done, done + n));
      this.syscalls++;
      const r = Number(sys.syscall(SYS.pwrite64, this.fd, this.buffer, n, offset + done));
      if (r <= 0) return;
      done += r;
      this.bytesWritten += r;
    }
  }

  flush(): void {
    this.syscalls++;
    this.sys().syscall(SYS.fsync, this.fd);
  }

  close(): void {}
}
