/* console: prints many lines; the checksum covers every byte written. */
#include "ulib.h"

int main(int argc, char **argv) {
  u64 lines = arg_u64(argc, argv, "console.lines", 100);
  int ok = 1;
  u32 crc = 0;
  char line[96];
  for (u64 i = 0; i < lines; i++) {
    int n = snprintf(line, sizeof line, "console %04lu/%04lu the quick brown fox jumps over the lazy dog %08x\n",
                     i, lines, crc);
    if (write(1, line, (usize)n) != n) ok = 0;
    crc = crc32_update(crc, line, (usize)n);
  }
  printf("RESULT console lines=%lu crc=0x%08x %s\n", lines, crc, ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
