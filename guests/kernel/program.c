/* Lookup in the embedded program table (programs.S). */
#include "kernel.h"

struct program { const char *name; const u8 *start; u64 size; };
extern const struct program program_table[];

const u8 *program_find(const char *name, usize *size) {
  for (const struct program *p = program_table; p->name; p++) {
    if (strcmp(p->name, name) == 0) { *size = p->size; return p->start; }
  }
  return NULL;
}
