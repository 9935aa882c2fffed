/* Hypervisor extension (priv spec ch. 8), run with -cpu rv64,h=true: M-mode view of the H CSRs'
   WARL behaviour (misa.H, hstatus, hedeleg/hideleg, hvip/hip/mip aliases, vsstatus, hgatp, mstatus.MPV). */
#include "conf.h"
/* H CSRs by number: the assembler predates the H extension. */
#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HIE 0x604
#define CSR_HCOUNTEREN 0x606
#define CSR_HTVAL 0x643
#define CSR_HIP 0x644
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64a
#define CSR_HGATP 0x680
#define CSR_VSSTATUS 0x200
#define CSR_VSSCRATCH 0x240
#define CSR_VSEPC 0x241
#define CSR_VSCAUSE 0x242
#define CSR_VSTVAL 0x243
#define CSR_VSTVEC 0x205
#define CSR_VSATP 0x280
.macro WR_RD label, csr, value
  li    t0, \value
  csrw  \csr, t0
  csrr  s4, \csr
  SHOW  "\label", s4
.endm

  .text
  .globl main
main:
  addi  sp, sp, -16
  sd    ra, 0(sp)
  csrr  s4, misa
  SHOW  "misa", s4
  WR_RD "hstatus <- VTSR VTW VTVM HU SPVP SPV GVA", CSR_HSTATUS, 0x7003c0
  WR_RD "hstatus <- 0", CSR_HSTATUS, 0
  WR_RD "hedeleg <- -1", CSR_HEDELEG, -1
  WR_RD "hideleg <- -1", CSR_HIDELEG, -1
  WR_RD "hideleg <- 0", CSR_HIDELEG, 0
  WR_RD "hvip <- -1", CSR_HVIP, -1
  csrr  s4, CSR_HIP
  SHOW  "hip", s4
  csrr  s4, mip
  andi  s4, s4, 0x444
  SHOW  "mip VS bits", s4
  li    t0, -1
  csrw  CSR_HIE, t0
  csrr  s4, CSR_HIE
  andi  s4, s4, 0x444   /* SGEIE (bit 12) depends on GEILEN: QEMU 7.2 has guest external interrupts, we do not */
  SHOW  "hie <- -1 (VS bits)", s4
  WR_RD "hvip <- 0", CSR_HVIP, 0
  WR_RD "hcounteren <- 5", CSR_HCOUNTEREN, 5
  WR_RD "htval <- 0x1234", CSR_HTVAL, 0x1234
  WR_RD "htinst <- 0", CSR_HTINST, 0
  WR_RD "vsstatus <- SUM MXR SPP SPIE SIE", CSR_VSSTATUS, 0xc0122
  WR_RD "vsscratch <- 0x55", CSR_VSSCRATCH, 0x55
  WR_RD "vsepc <- 0x1004", CSR_VSEPC, 0x1004
  WR_RD "vscause <- 9", CSR_VSCAUSE, 9
  WR_RD "vstval <- 0x77", CSR_VSTVAL, 0x77
  WR_RD "vstvec <- 0x2001", CSR_VSTVEC, 0x2001
  WR_RD "vsatp <- sv39", CSR_VSATP, 0x8000000000080123
  WR_RD "hgatp <- sv39x4 vmid 5", CSR_HGATP, 0x8000500000080120
  WR_RD "hgatp <- bare", CSR_HGATP, 0
  li    t0, 1 << 39
  csrs  mstatus, t0
  csrr  s4, mstatus
  srli  s4, s4, 38
  andi  s4, s4, 3
  SHOW  "mstatus[39:38] after setting MPV", s4
  csrc  mstatus, t0
  csrw  mideleg, zero
  csrr  s4, mideleg
  andi  s4, s4, 0x444   /* bit 12 (SGEIP) likewise depends on GEILEN */
  SHOW  "mideleg <- 0 (VS bits read-only one)", s4
  ld    ra, 0(sp)
  addi  sp, sp, 16
  li    a0, 0
  ret
