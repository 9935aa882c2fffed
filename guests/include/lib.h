/*
 * Helpers shared by the kernel and the user programs (lib/): the few libc pieces we need,
 * written here because the images are built with -nostdlib.
 */
#ifndef LIB_H
#define LIB_H
#include "types.h"

void *memset(void *d, int c, usize n);
void *memcpy(void *d, const void *s, usize n);
void *memmove(void *d, const void *s, usize n);
int memcmp(const void *a, const void *b, usize n);
usize strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, usize n);
char *strncpy_z(char *d, const char *s, usize n); /* always NUL-terminates */

/* printf subset: %d %u %x %lx %ld %lu %s %c %p %%, with optional 0-padding width. */
int vsnprintf(char *buf, usize size, const char *fmt, va_list ap);
int snprintf(char *buf, usize size, const char *fmt, ...);

/* CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as zlib's crc32(): crc32_update(0, ...) first. */
u32 crc32_update(u32 crc, const void *data, usize n);

/* Bootarg-style "key=value" lookup in a space-separated string; returns value length or -1. */
int kv_find(const char *args, const char *key, const char **val);
u64 kv_u64(const char *args, const char *key, u64 dflt);
u64 parse_u64(const char *s, usize n);
#endif
