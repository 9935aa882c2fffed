/*
 * Flattened devicetree reader (Devicetree Specification v0.4, ch. 5 "Flattened Devicetree
 * (DTB) Format"). One pass over the structure block collects what the kernel needs into `boot`.
 * All DTB fields are big-endian (5.1).
 */
#include "kernel.h"

struct bootinfo boot;

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define MAX_DEPTH 8

static u32 be32(const void *p) {
  const u8 *b = p;
  return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3];
}

/* Read a cells-wide big-endian number (1 or 2 cells in practice). */
static u64 read_cells(const u8 *p, u32 cells) {
  u64 v = 0;
  for (u32 i = 0; i < cells; i++) v = (v << 32) | be32(p + 4 * i);
  return v;
}

/* True when the NUL-separated string list `list` (len bytes) contains `s` (2.3.1 compatible). */
static int strlist_has(const char *list, u32 len, const char *s) {
  u32 i = 0;
  while (i < len) {
    if (strcmp(list + i, s) == 0) return 1;
    i += (u32)strlen(list + i) + 1;
  }
  return 0;
}

struct node {
  const char *name;
  const char *compat; u32 compat_len;
  const u8 *reg; u32 reg_len;
  u32 irq; int has_irq;
  int is_memory;
  u32 addr_cells, size_cells;   /* this node's #address-cells/#size-cells, for its children */
};

static void finish_node(struct node *n, const struct node *parent, int depth) {
  u32 ac = parent ? parent->addr_cells : 2, sc = parent ? parent->size_cells : 1;
  u64 base = 0, size = 0;
  if (n->reg && n->reg_len >= 4 * (ac + sc)) {
    base = read_cells(n->reg, ac);
    size = read_cells(n->reg + 4 * ac, sc);
  }
  if (n->is_memory && depth == 1 && !boot.ram_size) {
    boot.ram_base = base;
    boot.ram_size = size;
  }
  if (!n->compat) return;
  if (strlist_has(n->compat, n->compat_len, "ns16550a") && !boot.uart_base) {
    boot.uart_base = base;
    boot.uart_irq = n->has_irq ? n->irq : 10;
  } else if (strlist_has(n->compat, n->compat_len, "riscv,plic0") ||
             strlist_has(n->compat, n->compat_len, "sifive,plic-1.0.0")) {
    boot.plic_base = base;
  } else if (strlist_has(n->compat, n->compat_len, "sifive,test0")) {
    boot.test_base = base;
  } else if (strlist_has(n->compat, n->compat_len, "virtio,mmio") && boot.nvirtio < MAX_VIRTIO) {
    boot.virtio_base[boot.nvirtio] = base;
    boot.virtio_irq[boot.nvirtio] = n->irq;
    boot.nvirtio++;
  } else if (strlist_has(n->compat, n->compat_len, "vm,pio-disk")) {
    boot.pio_base = base;
    boot.pio_irq = n->has_irq ? n->irq : 12;
  }
}

void fdt_parse(const void *dtb) {
  const u8 *h = dtb;
  if (be32(h) != FDT_MAGIC) panic("DTB: bad magic at %p", dtb);
  boot.dtb_pa = (u64)dtb;
  boot.dtb_size = be32(h + 4);
  const u8 *structs = h + be32(h + 8);
  const char *strings = (const char *)h + be32(h + 12);
  struct node stack[MAX_DEPTH];
  int depth = -1;
  const u8 *p = structs;
  for (;;) {
    u32 tok = be32(p);
    p += 4;
    if (tok == FDT_BEGIN_NODE) {
      const char *name = (const char *)p;
      p += ALIGN_UP(strlen(name) + 1, 4);
      if (++depth >= MAX_DEPTH) panic("DTB too deep");
      struct node *n = &stack[depth];
      memset(n, 0, sizeof *n);
      n->name = name;
      n->addr_cells = 2;   /* 2.3.5 defaults */
      n->size_cells = 1;
      n->is_memory = strncmp(name, "memory", 6) == 0 && (name[6] == 0 || name[6] == '@');
    } else if (tok == FDT_END_NODE) {
      if (depth < 0) panic("DTB: unbalanced nodes");
      finish_node(&stack[depth], depth ? &stack[depth - 1] : NULL, depth);
      depth--;
    } else if (tok == FDT_PROP) {
      u32 len = be32(p), nameoff = be32(p + 4);
      const u8 *val = p + 8;
      const char *pname = strings + nameoff;
      p += 8 + ALIGN_UP(len, 4);
      if (depth < 0) continue;
      struct node *n = &stack[depth];
      if (!strcmp(pname, "compatible")) { n->compat = (const char *)val; n->compat_len = len; }
      else if (!strcmp(pname, "reg")) { n->reg = val; n->reg_len = len; }
      else if (!strcmp(pname, "interrupts") && len >= 4) { n->irq = be32(val); n->has_irq = 1; }
      else if (!strcmp(pname, "#address-cells")) n->addr_cells = be32(val);
      else if (!strcmp(pname, "#size-cells")) n->size_cells = be32(val);
      else if (!strcmp(pname, "device_type") && !strcmp((const char *)val, "memory")) n->is_memory = 1;
      else if (!strcmp(pname, "timebase-frequency") && !strcmp(n->name, "cpus"))
        boot.timebase_hz = len == 8 ? read_cells(val, 2) : be32(val);
      else if (!strcmp(pname, "bootargs") && depth == 1 && !strcmp(n->name, "chosen"))
        strncpy_z(boot.bootargs, (const char *)val, sizeof boot.bootargs);
    } else if (tok == FDT_NOP) {
      continue;
    } else if (tok == FDT_END) {
      break;
    } else {
      panic("DTB: bad token %x", tok);
    }
  }
  if (!boot.timebase_hz) boot.timebase_hz = 10000000;
}
