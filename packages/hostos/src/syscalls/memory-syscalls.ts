import { PAGE_SIZE } from '@vm/mmu';
import { MAP_ANONYMOUS, MAP_FIXED, PROT_EXEC, PROT_READ, PROT_WRITE, SYS, fail } from '../linux-abi.js';
import type { SyscallTable } from '../syscall-table.js';
import { addr, int } from './arguments.js';

/** Internal mmap flag for native processes: back the area with physically contiguous frames (guest RAM). */
export const MAP_CONTIGUOUS = 0x1000_0000;
const TWO_MIB = 2 << 20;

const roundUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** brk, mmap (anonymous), munmap, mprotect. */
export function defineMemorySyscalls(t: SyscallTable): void {
  t.define(SYS.brk, (_k, p, a) => {
    const as = p.memory;
    const want = addr(a[0]);
    if (want < as.brkStart || want > as.brkStart + (1 << 30)) return BigInt(as.brk);
    const heap = as.areas.find((x) => x.name === 'heap');
    if (heap === undefined) return BigInt(as.brk);
    const end = roundUp(want);
    if (end < heap.end) as.release(end, heap.end);
    const stillHeap = as.areas.find((x) => x.name === 'heap');
    if (stillHeap !== undefined) stillHeap.end = Math.max(end, stillHeap.start);
    else as.addArea({ start: as.brkStart, end: Math.max(end, as.brkStart), prot: { read: true, write: true, execute: false }, name: 'heap' });
    as.brk = want;
    return BigInt(want);
  });
  t.define(SYS.mmap, (k, p, a) => {
    const length = roundUp(addr(a[1]));
    const prot = int(a[2]);
    const flags = int(a[3]);
    if (length === 0) return fail('EINVAL');
    if ((flags & MAP_ANONYMOUS) === 0) return fail('ENODEV');
    const as = p.memory;
    let start: number;
    if ((flags & MAP_FIXED) !== 0) {
      start = addr(a[0]);
      if (start % PAGE_SIZE !== 0) return fail('EINVAL');
      as.release(start, start + length);
    } else {
      start = Math.ceil(as.mmapNext / TWO_MIB) * TWO_MIB;
      as.mmapNext = start + length;
    }
    const protection = { read: (prot & PROT_READ) !== 0, write: (prot & PROT_WRITE) !== 0, execute: (prot & PROT_EXEC) !== 0 };
    if ((flags & MAP_CONTIGUOUS) !== 0) {
      if (p.kind !== 'native') return fail('EINVAL');
      const physical = k.frames.allocateContiguous(length / PAGE_SIZE, TWO_MIB);
      if (physical < 0) return fail('ENOMEM');
      as.addArea({ start, end: start + length, prot: protection, name: 'contiguous', physical });
    } else as.addArea({ start, end: start + length, prot: protection, name: 'anon' });
    return BigInt(start);
  });
  t.define(SYS.munmap, (k, p, a) => {
    const start = addr(a[0]);
    if (start % PAGE_SIZE !== 0) return fail('EINVAL');
    const end = start + roundUp(addr(a[1]));
    for (const area of p.memory.areas) if (area.physical !== undefined && area.start < end && area.end > start) return fail('EINVAL');
    p.memory.release(start, end);
    k.flushTranslations(p);
    return 0n;
  });
  t.define(SYS.mprotect, () => 0n);
}
