/* CRC-32/ISO-HDLC (the zlib/Ethernet CRC). Check value: crc32("123456789") = 0xCBF43926. */
#include "lib.h"

static u32 table[256];
static int table_ready;

static void make_table(void) {
  for (u32 i = 0; i < 256; i++) {
    u32 c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  table_ready = 1;
}

u32 crc32_update(u32 crc, const void *data, usize n) {
  const u8 *p = data;
  if (!table_ready) make_table();
  crc = ~crc;
  while (n--) crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}
