/* Supervisor trap dispatch (scause codes: Privileged spec 4.1.9, Table 4.2). */
#include "kernel.h"

extern void trap_vector(void);

void trap_init(void) {
  csr_write(stvec, (u64)trap_vector);   /* direct mode: MODE bits 1:0 = 0 (4.1.2) */
}

static void external_irq(void) {
  u32 irq;
  while ((irq = plic_claim()) != 0) {
    if (irq == boot.uart_irq) uart_intr();
    plic_complete(irq);
  }
}

void trap_handler(struct trapframe *tf) {
  u64 cause = csr_read(scause);
  int from_user = !(tf->sstatus & SSTATUS_SPP);
  if (cause & SCAUSE_INTR) {
    u64 code = cause & ~SCAUSE_INTR;
    if (code == IRQ_S_TIMER || code == IRQ_S_SOFT) {
      timer_tick();
      if (from_user && curproc) yield();   /* preemptive round robin */
    } else if (code == IRQ_S_EXT) {
      external_irq();
    } else {
      panic("unexpected interrupt %lx", cause);
    }
    return;
  }
  if (!from_user)
    panic("kernel trap scause=%lx sepc=%lx stval=%lx", cause, tf->epc, csr_read(stval));
  if (cause == EXC_ECALL_U) {
    tf->epc += 4;   /* resume after the ecall */
    syscall(tf);
    return;
  }
  kprintf("INFO pid %d (%s) killed: scause=%lx sepc=%lx stval=%lx\n", curproc->pid, curproc->name,
          cause, tf->epc, csr_read(stval));
  proc_exit(-1);
}
