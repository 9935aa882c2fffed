/* CSR access and bit definitions (RISC-V Privileged Spec v1.12 / 20211203). */
#ifndef RISCV_H
#define RISCV_H
#include "types.h"

#define csr_read(csr) ({ u64 __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"((u64)(v)))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"((u64)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"((u64)(v)))

/* sstatus (4.1.1) */
#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_SUM (1UL << 18)

/* sip/sie bits (4.1.3): supervisor software, timer, external. */
#define SIP_SSIP (1UL << 1)
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SIE_SEIE (1UL << 9)

/* scause (4.1.9): interrupt bit and codes (Table 4.2). */
#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_ECALL_U 8
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

/* satp (4.1.11): MODE=8 selects Sv39. */
#define SATP_SV39 (8UL << 60)
#define MAKE_SATP(root_pa) (SATP_SV39 | ((u64)(root_pa) >> 12))

static inline u64 rdtime(void) { u64 t; __asm__ volatile("rdtime %0" : "=r"(t)); return t; }
static inline void sfence_vma_all(void) { __asm__ volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma_va(u64 va) { __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi"); }
static inline void intr_on(void) { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }

/* MMIO accessors: volatile plus a fence so device accesses are ordered against memory (the
 * RVWMO "I/O" ordering of Priv. spec 3.6.5: fence iorw,iorw around device accesses). */
static inline u32 mmio_r32(u64 a) { u32 v = *(volatile u32 *)a; __asm__ volatile("fence i,r" ::: "memory"); return v; }
static inline void mmio_w32(u64 a, u32 v) { __asm__ volatile("fence w,o" ::: "memory"); *(volatile u32 *)a = v; }
static inline u8 mmio_r8(u64 a) { u8 v = *(volatile u8 *)a; __asm__ volatile("fence i,r" ::: "memory"); return v; }
static inline void mmio_w8(u64 a, u8 v) { __asm__ volatile("fence w,o" ::: "memory"); *(volatile u8 *)a = v; }
#endif
