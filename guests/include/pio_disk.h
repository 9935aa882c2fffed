/*
 * "vm,pio-disk": the project's legacy, register-level disk, in the manner of ATA PIO (ATA/ATAPI-6,
 * section 9.5 "PIO data-in" / 9.6 "PIO data-out"): the CPU moves every data word through one
 * register. It exists to measure trap-per-word device emulation against virtio's DMA rings.
 *
 * Placement on the vm `virt` board: physical 0x1000_9000, window 0x1000, PLIC source 12.
 *   disk@10009000 { compatible = "vm,pio-disk"; reg = <0 0x10009000 0 0x1000>;
 *                   interrupts = <12>; interrupt-parent = <&plic>; };
 *
 * All registers are 32 bits wide, little-endian, and must be accessed with 32-bit loads/stores.
 * Unknown offsets read as 0 and ignore writes.
 *
 * Protocol
 *   READ:  write LBA_LO/LBA_HI/COUNT, then COMMAND=1. The device sets DRQ; the driver reads
 *          COUNT*128 words from DATA (sector after sector). After the last word DRQ and BUSY clear
 *          and DONE sets.
 *   WRITE: write LBA/COUNT, then COMMAND=2. The device sets DRQ ("data wanted"); the driver writes
 *          COUNT*128 words to DATA. Each full sector is stored when its last word arrives; after the
 *          last sector DRQ and BUSY clear and DONE sets.
 *   FLUSH: COMMAND=3 makes completed writes durable, then DONE sets.
 *   A command clears DONE and ERR first. ERR (with DONE clear, DRQ clear) reports: LBA+COUNT beyond
 *   CAPACITY, COUNT = 0, WRITE on a read-only medium, an unknown command, or a command issued while
 *   BUSY (the running command is aborted). Reading DATA without DRQ returns 0; writing it is ignored.
 *   Interrupt: when IRQ_ENABLE bit0 is set, the line is raised while an interrupt is pending; one
 *   becomes pending whenever DONE or ERR sets, and IRQ_ACK (write 1) clears it. Level-triggered.
 */
#ifndef PIO_DISK_H
#define PIO_DISK_H

#define PIO_DISK_BASE 0x10009000UL
#define PIO_DISK_SIZE 0x1000
#define PIO_DISK_IRQ 12
#define PIO_DISK_MAGIC_VALUE 0x44494f50u /* "PIOD" little-endian */

#define PIO_DISK_MAGIC 0x00       /* RO: 0x44494f50 */
#define PIO_DISK_CAPACITY_LO 0x04 /* RO: capacity in 512-byte sectors, bits 31:0 */
#define PIO_DISK_CAPACITY_HI 0x08 /* RO: bits 63:32 */
#define PIO_DISK_LBA_LO 0x0c      /* RW: first sector, bits 31:0 */
#define PIO_DISK_LBA_HI 0x10      /* RW: bits 63:32 */
#define PIO_DISK_COUNT 0x14       /* RW: sector count */
#define PIO_DISK_COMMAND 0x18     /* WO: 1 READ, 2 WRITE, 3 FLUSH (reads 0) */
#define PIO_DISK_STATUS 0x1c      /* RO: PIO_STATUS_* */
#define PIO_DISK_DATA 0x20        /* RW: next 4 bytes of the current sector */
#define PIO_DISK_IRQ_ENABLE 0x24  /* RW: bit0 raises the IRQ on DONE/ERR */
#define PIO_DISK_IRQ_ACK 0x28     /* WO: write 1 to clear a pending interrupt */

#define PIO_CMD_READ 1
#define PIO_CMD_WRITE 2
#define PIO_CMD_FLUSH 3

#define PIO_STATUS_BUSY (1u << 0)
#define PIO_STATUS_DRQ (1u << 1)
#define PIO_STATUS_ERR (1u << 2)
#define PIO_STATUS_DONE (1u << 3)

#define PIO_SECTOR_WORDS 128 /* 512 bytes / 4 */
#endif
