/*
 * disk: for each disk (legacy PIO disk, virtio-blk) that is present, write a pattern to
 * sectors [0, S) sequentially, read it back; then write sectors [S, 2S) one at a time in a
 * pseudo-random order and read them back in another. Every sector read is verified and CRCed.
 */
#include "ulib.h"

static u32 mix(u32 x) {   /* a 32-bit integer hash (lowbias32) */
  x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
  return x;
}

static void fill(u32 *w, u64 sector, u32 seed) {
  for (u32 i = 0; i < SECTOR_SIZE / 4; i++) w[i] = mix((u32)sector * 131 + i + seed);
}

static int check(const u32 *w, u64 sector, u32 seed) {
  for (u32 i = 0; i < SECTOR_SIZE / 4; i++) if (w[i] != mix((u32)sector * 131 + i + seed)) return 0;
  return 1;
}

static u64 lcg;
static u32 rnd(void) { lcg = lcg * 6364136223846793005UL + 1442695040888963407UL; return (u32)(lcg >> 33); }

static void permute(u32 *perm, u32 n, u64 seed) {
  lcg = seed;
  for (u32 i = 0; i < n; i++) perm[i] = i;
  for (u32 i = n - 1; i > 0; i--) { u32 j = rnd() % (i + 1), t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
}

/* Returns 1 on success; *crc gets the checksum of everything read back. */
static int exercise(int dev, u64 s, u8 *buf, u32 *perm, u32 *crc) {
  int ok = 1;
  u32 c = 0;
  for (u64 i = 0; i < s; i++) fill((u32 *)(buf + i * SECTOR_SIZE), i, 0x5EC);
  if (disk_write(dev, 0, buf, s) != (long)s) return 0;
  memset(buf, 0, s * SECTOR_SIZE);
  if (disk_read(dev, 0, buf, s) != (long)s) return 0;
  for (u64 i = 0; i < s; i++) if (!check((u32 *)(buf + i * SECTOR_SIZE), i, 0x5EC)) ok = 0;
  c = crc32_update(c, buf, s * SECTOR_SIZE);

  u32 *one = (u32 *)buf;
  permute(perm, (u32)s, 1);
  for (u64 k = 0; k < s; k++) {
    fill(one, s + perm[k], 0xAB);
    if (disk_write(dev, s + perm[k], one, 1) != 1) return 0;
  }
  permute(perm, (u32)s, 2);
  for (u64 k = 0; k < s; k++) {
    memset(one, 0, SECTOR_SIZE);
    if (disk_read(dev, s + perm[k], one, 1) != 1) return 0;
    if (!check(one, s + perm[k], 0xAB)) ok = 0;
    c = crc32_update(c, &perm[k], sizeof perm[k]);
    c = crc32_update(c, one, SECTOR_SIZE);
  }
  *crc = c;
  return ok;
}

int main(int argc, char **argv) {
  u64 s = arg_u64(argc, argv, "disk.sectors", 256);
  u8 *buf = sbrk((long)(s * SECTOR_SIZE));
  u32 *perm = sbrk((long)(s * 4));
  if ((long)buf == -1 || (long)perm == -1 || s == 0) {
    printf("RESULT disk sectors=%lu alloc-failed fail\n", s);
    return 1;
  }
  static const int devs[2] = { DISK_PIO, DISK_VIRTIO };
  static const char *const names[2] = { "pio", "virtio" };
  char line[200];
  int len = snprintf(line, sizeof line, "RESULT disk");
  int ok = 1, present = 0;
  for (int d = 0; d < 2; d++) {
    long cap = disk_info(devs[d]);
    if (cap < 0) {
      len += snprintf(line + len, sizeof line - (usize)len, " %s=absent", names[d]);
      continue;
    }
    present++;
    u32 crc = 0;
    u64 t0 = time_us();
    int r = (u64)cap >= 2 * s && exercise(devs[d], s, buf, perm, &crc);
    printf("INFO disk %s capacity=%ld time_us=%lu\n", names[d], cap, time_us() - t0);
    if (!r) ok = 0;
    len += snprintf(line + len, sizeof line - (usize)len, " %s sectors=%lu crc=0x%08x", names[d], s, crc);
  }
  if (!present) ok = 0;   /* a disk workload with no disk did not test anything */
  printf("%s %s\n", line, ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
