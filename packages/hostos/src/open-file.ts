import type { Inode } from './fs/inode.js';
import type { Process } from './process.js';

/** A character device driver reachable through a /dev node (major, minor). */
export interface CharDevice {
  readonly name: string;
  read(proc: Process, length: number): Uint8Array;
  write(proc: Process, data: Uint8Array): number;
  /** ioctl(fd, request, arg): a result or a negative errno. `file` is the open file of the call. */
  ioctl(proc: Process, file: OpenFile, request: number, arg: bigint, object?: object): bigint;
  /** The file is closed for good. */
  release?(file: OpenFile): void;
}

/** An open file description: a regular file or directory (inode) or a device, with its offset. */
export class OpenFile {
  offset = 0;
  refs = 1;
  /** Driver-private state (e.g. which VM or vCPU a /dev/vmm descriptor stands for). */
  private: object | undefined;

  constructor(
    readonly path: string,
    readonly flags: number,
    readonly inode: Inode | undefined,
    readonly device: CharDevice | undefined,
  ) {}
}
