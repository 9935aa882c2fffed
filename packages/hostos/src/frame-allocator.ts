import { PAGE_SIZE, type Ram } from '@vm/mmu';

/** Physical page frames of host RAM, handed out to page tables and process memory. */
export class FrameAllocator {
  private readonly used: Uint8Array;
  private next = 0;
  freeFrames: number;
  /** Frames shared by more than one address space (copy-on-write after fork): frame → owners. */
  private readonly owners = new Map<number, number>();
  /** Copy-on-write faults that copied a shared frame, and those that found it no longer shared. */
  cowCopies = 0;
  cowReuses = 0;
  /**
   * Told of each frame as it becomes free again. A watcher of free memory (the fuzzer keeps a
   * canary in every free frame of a host it reuses, to see a guest's stray store) refills it here;
   * allocation zeroes a frame whatever it holds, so no process sees what a watcher wrote.
   */
  onFree: ((pa: number) => void) | undefined;

  constructor(private readonly ram: Ram) {
    this.used = new Uint8Array(ram.size / PAGE_SIZE);
    this.freeFrames = this.used.length;
  }

  /** One zeroed frame; its physical address, or -1 when memory is exhausted. */
  allocate(): number {
    const n = this.used.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.used[i] === 0) {
        this.used[i] = 1;
        this.next = i + 1;
        this.freeFrames--;
        const pa = this.ram.base + i * PAGE_SIZE;
        // Zeroing a frame of a never-touched chunk commits nothing (the host OS's RAM is lazy).
        this.ram.fill(pa, PAGE_SIZE);
        return pa;
      }
    }
    return -1;
  }

  /** `count` physically contiguous zeroed frames (aligned to `align` bytes); base address or -1. */
  allocateContiguous(count: number, align = PAGE_SIZE): number {
    const step = Math.max(1, align / PAGE_SIZE);
    for (let i = 0; i + count <= this.used.length; i += step) {
      let ok = true;
      for (let j = 0; j < count; j++) {
        if (this.used[i + j] !== 0) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      this.used.fill(1, i, i + count);
      this.freeFrames -= count;
      this.ram.fill(this.ram.base + i * PAGE_SIZE, count * PAGE_SIZE);
      return this.ram.base + i * PAGE_SIZE;
    }
    return -1;
  }

  /** One more address space owns frame `pa` (fork shares pages copy-on-write). */
  share(pa: number): void {
    this.owners.set(pa, (this.owners.get(pa) ?? 1) + 1);
  }

  /** How many address spaces own frame `pa`. */
  ownersOf(pa: number): number {
    return this.owners.get(pa) ?? 1;
  }

  /** Drop one owner of `pa`; the frame is free when none is left. */
  free(pa: number): void {
    const n = this.owners.get(pa);
    if (n !== undefined) {
      if (n > 2) this.owners.set(pa, n - 1);
      else this.owners.delete(pa);
      return;
    }
    const i = (pa - this.ram.base) / PAGE_SIZE;
    if (this.used[i] === 1) {
      this.used[i] = 0;
      this.freeFrames++;
      this.onFree?.(pa);
    }
  }

  /** Whether the frame at `pa` is free (owned by no page table, process or driver). */
  isFree(pa: number): boolean {
    return this.used[(pa - this.ram.base) / PAGE_SIZE] === 0;
  }
}
