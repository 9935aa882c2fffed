import { FsError } from '../fs/simple-fs.js';
import type { Inode } from '../fs/inode.js';
import type { HostKernel } from '../kernel.js';
import { AT_EMPTY_PATH, AT_FDCWD, O_ACCMODE, O_APPEND, O_CREAT, O_EXCL, O_TRUNC, S_IFCHR, S_IFDIR, S_IFREG, SYS, fail, type Errno } from '../linux-abi.js';
import { OpenFile } from '../open-file.js';
import type { Process } from '../process.js';
import type { SyscallTable } from '../syscall-table.js';
import { addr, int, int32 } from './arguments.js';

const MAX_IO = 1 << 20;
const TIOCGWINSZ = 0x5413;
const TCGETS = 0x5401;

function errnoOf(e: unknown): bigint {
  if (e instanceof FsError) return fail(e.code as Errno);
  return fail('EIO');
}

function resolve(proc: Process, dirfd: number, path: string): string {
  if (path.startsWith('/')) return path;
  if (dirfd !== AT_FDCWD) {
    const f = proc.files[dirfd];
    if (f !== undefined) return `${f.path}/${path}`;
  }
  return `${proc.cwd === '/' ? '' : proc.cwd}/${path}`;
}

/** Open `path` for `proc` (also used by the kernel for the standard descriptors). */
export function openPath(kernel: HostKernel, path: string, flags: number): OpenFile | bigint {
  try {
    let inode = kernel.fs.lookup(path);
    if (inode === undefined) {
      if ((flags & O_CREAT) === 0) return fail('ENOENT');
      inode = kernel.fs.create(path, 'file');
    } else if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return fail('EEXIST');
    if (inode.type === 'chardev') {
      const dev = kernel.device(inode.major, inode.minor);
      if (dev === undefined) return fail('ENODEV');
      return new OpenFile(path, flags, inode, dev);
    }
    if (inode.type === 'dir' && (flags & O_ACCMODE) !== 0) return fail('EISDIR');
    if ((flags & O_TRUNC) !== 0 && (flags & O_ACCMODE) !== 0 && inode.type === 'file') kernel.fs.truncate(inode);
    return new OpenFile(path, flags, inode, undefined);
  } catch (e) {
    return errnoOf(e);
  }
}

/** Read from an open file at its offset (or at `at`); bytes or a negative errno. */
export function readFile(kernel: HostKernel, proc: Process, f: OpenFile, length: number, at?: number): Uint8Array | bigint {
  if (f.device !== undefined) return f.device.read(proc, length);
  const inode = f.inode!;
  if (inode.type === 'dir') return fail('EISDIR');
  const fresh = kernel.fs.getInode(inode.number);
  const buf = new Uint8Array(Math.max(0, Math.min(length, fresh.size - (at ?? f.offset))));
  const n = kernel.fs.read(fresh, at ?? f.offset, buf);
  if (at === undefined) f.offset += n;
  return buf.subarray(0, n);
}

export function writeFile(kernel: HostKernel, proc: Process, f: OpenFile, data: Uint8Array, at?: number): bigint {
  if (f.device !== undefined) return BigInt(f.device.write(proc, data));
  if ((f.flags & O_ACCMODE) === 0) return fail('EBADF');
  const inode = kernel.fs.getInode(f.inode!.number);
  try {
    const pos = at ?? ((f.flags & O_APPEND) !== 0 ? inode.size : f.offset);
    const n = kernel.fs.write(inode, pos, data);
    if (at === undefined) f.offset = pos + n;
    return BigInt(n);
  } catch (e) {
    return errnoOf(e);
  }
}

function statBytes(inode: Inode | undefined): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  const mode = inode === undefined || inode.type === 'chardev' ? S_IFCHR | 0o620 : inode.type === 'dir' ? S_IFDIR | 0o755 : S_IFREG | 0o755;
  v.setBigUint64(0, 1n, true);
  v.setBigUint64(8, BigInt(inode?.number ?? 0), true);
  v.setUint32(16, mode, true);
  v.setUint32(20, inode?.links ?? 1, true);
  if (inode?.type === 'chardev') v.setBigUint64(32, BigInt((inode.major << 8) | inode.minor), true);
  v.setBigInt64(48, BigInt(inode?.type === 'file' || inode?.type === 'dir' ? inode.size : 0), true);
  v.setInt32(56, 4096, true);
  v.setBigInt64(64, BigInt(Math.ceil((inode?.size ?? 0) / 512)), true);
  return b;
}

/** File-system and descriptor system calls. */
export function defineFileSyscalls(t: SyscallTable): void {
  t.define(SYS.openat, (k, p, a) => {
    const path = p.memory.readString(addr(a[1]));
    if (path === undefined) return fail('EFAULT');
    const r = openPath(k, resolve(p, int32(a[0]), path), int32(a[2]));
    if (typeof r === 'bigint') return r;
    return BigInt(p.allocateFd(r));
  });
  t.define(SYS.close, (k, p, a) => {
    const fd = int(a[0]);
    const f = p.files[fd];
    if (f === undefined) return fail('EBADF');
    p.files[fd] = undefined;
    k.releaseFile(f);
    return 0n;
  });
  t.define(SYS.read, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const r = readFile(k, p, f, Math.min(int(a[2]), MAX_IO));
    if (typeof r === 'bigint') return r;
    return p.memory.write(addr(a[1]), r) ? BigInt(r.length) : fail('EFAULT');
  });
  t.define(SYS.pread64, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const r = readFile(k, p, f, Math.min(int(a[2]), MAX_IO), int(a[3]));
    if (typeof r === 'bigint') return r;
    return p.memory.write(addr(a[1]), r) ? BigInt(r.length) : fail('EFAULT');
  });
  t.define(SYS.write, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const data = p.memory.read(addr(a[1]), Math.min(int(a[2]), MAX_IO));
    return data === undefined ? fail('EFAULT') : writeFile(k, p, f, data);
  });
  t.define(SYS.pwrite64, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const data = p.memory.read(addr(a[1]), Math.min(int(a[2]), MAX_IO));
    return data === undefined ? fail('EFAULT') : writeFile(k, p, f, data, int(a[3]));
  });
  t.define(SYS.writev, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const iov = p.memory.read(addr(a[1]), int(a[2]) * 16);
    if (iov === undefined) return fail('EFAULT');
    const v = new DataView(iov.buffer);
    let total = 0n;
    for (let i = 0; i < int(a[2]); i++) {
      const base = Number(v.getBigUint64(i * 16, true));
      const len = Number(v.getBigUint64(i * 16 + 8, true));
      if (len === 0) continue;
      const data = p.memory.read(base, Math.min(len, MAX_IO));
      if (data === undefined) return fail('EFAULT');
      const r = writeFile(k, p, f, data);
      if (r < 0n) return total > 0n ? total : r;
      total += r;
    }
    return total;
  });
  t.define(SYS.readv, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const iov = p.memory.read(addr(a[1]), int(a[2]) * 16);
    if (iov === undefined) return fail('EFAULT');
    const v = new DataView(iov.buffer);
    let total = 0;
    for (let i = 0; i < int(a[2]); i++) {
      const base = Number(v.getBigUint64(i * 16, true));
      const len = Number(v.getBigUint64(i * 16 + 8, true));
      const r = readFile(k, p, f, Math.min(len, MAX_IO));
      if (typeof r === 'bigint') return total > 0 ? BigInt(total) : r;
      if (!p.memory.write(base, r)) return fail('EFAULT');
      total += r.length;
      if (r.length < len) break;
    }
    return BigInt(total);
  });
  t.define(SYS.lseek, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    if (f.device !== undefined) return fail('ESPIPE');
    const off = int(a[1]);
    const whence = int(a[2]);
    const size = k.fs.getInode(f.inode!.number).size;
    const pos = whence === 0 ? off : whence === 1 ? f.offset + off : whence === 2 ? size + off : -1;
    if (pos < 0) return fail('EINVAL');
    f.offset = pos;
    return BigInt(pos);
  });
  t.define(SYS.ioctl, (_k, p, a, object) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    const req = Number(BigInt.asUintN(32, a[1] ?? 0n));
    if (f.device !== undefined) return f.device.ioctl(p, f, req, a[2] ?? 0n, object);
    return req === TIOCGWINSZ || req === TCGETS ? fail('ENOTTY') : fail('ENOTTY');
  });
  const stat = (k: HostKernel, p: Process, dirfd: number, pathVa: number, flags: number, out: number): bigint => {
    let inode: Inode | undefined;
    const path = pathVa === 0 ? '' : p.memory.readString(pathVa);
    if (path === undefined) return fail('EFAULT');
    if (path === '' && (flags & AT_EMPTY_PATH) !== 0) {
      const f = p.files[dirfd];
      if (f === undefined) return fail('EBADF');
      inode = f.inode === undefined ? undefined : k.fs.getInode(f.inode.number);
    } else {
      inode = k.fs.lookup(resolve(p, dirfd, path));
      if (inode === undefined) return fail('ENOENT');
    }
    return p.memory.write(out, statBytes(inode)) ? 0n : fail('EFAULT');
  };
  t.define(SYS.newfstatat, (k, p, a) => stat(k, p, int32(a[0]), addr(a[1]), int32(a[3]), addr(a[2])));
  t.define(SYS.fstat, (k, p, a) => {
    const f = p.files[int(a[0])];
    if (f === undefined) return fail('EBADF');
    return p.memory.write(addr(a[1]), statBytes(f.inode === undefined ? undefined : k.fs.getInode(f.inode.number))) ? 0n : fail('EFAULT');
  });
  t.define(SYS.readlinkat, () => fail('ENOENT'));
  t.define(SYS.faccessat, (k, p, a) => {
    const path = p.memory.readString(addr(a[1]));
    if (path === undefined) return fail('EFAULT');
    return k.fs.lookup(resolve(p, int32(a[0]), path)) === undefined ? fail('ENOENT') : 0n;
  });
  t.define(SYS.fsync, () => 0n);
  t.define(SYS.getcwd, (_k, p, a) => {
    const b = Buffer.from(p.cwd + '\0');
    if (b.length > int(a[1])) return fail('EINVAL');
    return p.memory.write(addr(a[0]), b) ? BigInt(b.length) : fail('EFAULT');
  });
  t.define(SYS.mkdirat, (k, p, a) => {
    const path = p.memory.readString(addr(a[1]));
    if (path === undefined) return fail('EFAULT');
    try {
      k.fs.create(resolve(p, int32(a[0]), path), 'dir');
      return 0n;
    } catch (e) {
      return errnoOf(e);
    }
  });
}
