import type { GuestFile } from '@vm/core';
import { ConfigError, hex } from '@vm/core';
import type { Hart } from '@vm/isa';
import { CSR_SATP, CSR_SSTATUS, CSR_MCOUNTEREN, CSR_SCOUNTEREN, CSR_MEDELEG, CSR_MENVCFG, CSR_MIDELEG, CSR_PMPADDR0, CSR_PMPCFG0, isElf, MSTATUS_SIE, PRIV_S } from '@vm/isa';
import { buildVirtFdt, fdtAddress, initrdAddress, linuxImageHeader, loadBytes, loadImage, VIRT_KERNEL_BASE, type VirtMachine } from '@vm/machine';

/**
 * What an SBI firmware hands its S-mode payload (as OpenSBI does): exceptions but ecall-from-S
 * and the M-level ones delegated to S (misaligned, access and page faults, illegal instruction,
 * breakpoint, ecall from U), the S-level interrupts delegated (priv spec 3.1.8), all counters
 * readable (3.1.11), Sstc on (menvcfg.STCE: the SBI timer is the virtual hart's stimecmp), and
 * PMP open to S/U (3.7.1).
 */
const MEDELEG_PAYLOAD = 0xb1ffn;
const MIDELEG_PAYLOAD = 0x222n;
const MENVCFG_STCE = 1n << 63n;
const PMP_NAPOT_RWX = 0x1fn;
// sstatus is a view of mstatus (priv spec 4.1.1): SIE is the same bit.
const SSTATUS_SIE = BigInt(MSTATUS_SIE);

/**
 * What `-bios none -kernel K` means under a hypervisor, as with QEMU under KVM: a raw image or a
 * Linux `Image` is an S-mode payload loaded at 0x8020_0000 on the hypervisor's SBI; an ELF says
 * by its addresses — linked at the DRAM base it is an M-mode program, above it an S-mode payload.
 */
export function looksLikeSPayload(kernel: GuestFile | undefined): boolean {
  if (kernel === undefined) return false;
  const b = kernel.bytes;
  if (!isElf(b)) return true;
  if (b.length < 32) return false;
  const entry = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(24, true);
  return entry >= BigInt(VIRT_KERNEL_BASE);
}

/**
 * `-bios none -kernel S-payload [-initrd F]` under a hypervisor that is its own SBI firmware (QEMU
 * with KVM): the kernel at its ELF address (a raw image or Linux `Image` at 0x8020_0000), the
 * initrd where QEMU puts it (hw/riscv/boot.c: 128 MiB past the kernel, or half-way into smaller
 * RAM) and named in /chosen, the DTB at the top of RAM, and the virtual hart set up as the
 * firmware would leave it, entering S-mode at the kernel's entry with a0 = hartid 0 and a1 = the
 * DTB address (SBI spec / Linux RISC-V boot protocol). The other harts get the same M-level set-up
 * and wait for an SBI hart_start (`startPayloadHart`).
 */
export function bootSPayload(board: VirtMachine, harts: readonly Hart[], kernel: GuestFile, append: string | undefined, initrdFile?: GuestFile): { entry: bigint; fdt: number } {
  const img = loadImage(board.ram, kernel.bytes, kernel.file, VIRT_KERNEL_BASE);
  // A Linux Image's bss lies past the file: what it occupies is image_size from its load address.
  const header = img.elf === undefined ? linuxImageHeader(kernel.bytes) : undefined;
  const end = header === undefined ? img.end : Math.max(img.end, img.start + Number(header.imageSize));
  let initrd: { start: number; end: number } | undefined;
  if (initrdFile !== undefined) {
    const at = initrdAddress(img.start, board.ram.size);
    if (at < end) throw new ConfigError(`${initrdFile.file}: no room for the initrd after ${kernel.file} (${hex(img.start)}..${hex(end)}): give the VM more memory`);
    const r = loadBytes(board.ram, initrdFile.bytes, initrdFile.file, at);
    initrd = { start: r.start, end: r.end };
  }
  const blob = buildVirtFdt(board, { bootargs: append, initrd });
  const fdt = fdtAddress(board.ram, blob.length);
  const top = Math.max(end, initrd?.end ?? 0);
  if (top > fdt) throw new ConfigError(`${kernel.file} (${hex(img.start)}..${hex(top)}${initrd === undefined ? '' : ' with the initrd'}) reaches the device tree at ${hex(fdt)}: give the VM more memory`);
  board.ram.load(fdt, blob);
  board.reset();
  for (const h of harts) payloadHart(h);
  const hart = harts[0]!;
  hart.setX(10, 0n);
  hart.setX(11, BigInt(fdt));
  hart.enter(PRIV_S, img.entry, false);
  return { entry: img.entry, fdt };
}

/** What the SBI firmware sets up on every hart before S-mode runs on it (see MEDELEG_PAYLOAD). */
function payloadHart(hart: Hart): void {
  hart.writeCsr(CSR_PMPADDR0, (1n << 54n) - 1n);
  hart.writeCsr(CSR_PMPCFG0, PMP_NAPOT_RWX);
  hart.writeCsr(CSR_MEDELEG, MEDELEG_PAYLOAD);
  hart.writeCsr(CSR_MIDELEG, MIDELEG_PAYLOAD);
  hart.writeCsr(CSR_MCOUNTEREN, 7n);
  // OpenSBI leaves cycle, time and instret readable from U-mode too (its mstatus_init); Linux's vDSO reads time there.
  hart.writeCsr(CSR_SCOUNTEREN, 7n);
  hart.writeCsr(CSR_MENVCFG, hart.readCsr(CSR_MENVCFG) | MENVCFG_STCE);
}

/**
 * SBI HSM hart_start / non-retentive resume (SBI spec 9.1, 9.4) on a virtual hart: S-mode at
 * `addr` with satp = 0 and sstatus.SIE = 0 (the caller sets a0 = hartid and a1 = opaque wherever
 * the vCPU's registers live); the rest of its state is undefined by the spec and left as it was.
 */
export function startPayloadHart(hart: Hart, addr: bigint): void {
  hart.writeCsr(CSR_SATP, 0n);
  hart.writeCsr(CSR_SSTATUS, hart.readCsr(CSR_SSTATUS) & ~SSTATUS_SIE);
  hart.enter(PRIV_S, addr, false);
}
