/* Boot sequence of the S-mode kernel (all three images). */
#include "kernel.h"

extern char __kernel_end[];

void kmain(u64 hartid, u64 dtb) {
  (void)hartid;
  fdt_parse((const void *)dtb);
  trap_init();
  plic_init();
  const char *mode;
  int n = kv_find(boot.bootargs, "uart", &mode);
  int uart_irq = n == 3 && strncmp(mode, "irq", 3) == 0;
  uart_init(uart_irq);
  console_init();
  kprintf("INFO kernel-%s: ram %lx+%lx timebase %lu uart %s bootargs \"%s\"\n", FLAVOUR, boot.ram_base,
          boot.ram_size, boot.timebase_hz, uart_irq ? "irq" : "poll", boot.bootargs);
  kalloc_init((u64)__kernel_end, boot.ram_base + boot.ram_size);
  kvm_init();
  timer_init();
  int vb = virtio_blk_init(), pio = pio_disk_init();
  kprintf("INFO disks: virtio-blk %s %lu sectors, pio-disk %s %lu sectors; %lu free pages\n",
          vb == 0 ? "present" : "absent", virtio_blk_capacity(), pio == 0 ? "present" : "absent",
          pio_disk_capacity(), kalloc_free_pages());
  proc_init();
  proc_spawn_init("init", boot.bootargs);
  scheduler();
}
