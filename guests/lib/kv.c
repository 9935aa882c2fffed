/* key=value lookup in a command line such as "workload=cpu cpu.iters=200". The last
 * occurrence wins, as with Linux kernel parameters given twice. */
#include "lib.h"

u64 parse_u64(const char *s, usize n) {
  u64 v = 0;
  unsigned base = 10;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s += 2; n -= 2; }
  for (usize i = 0; i < n; i++) {
    char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else break;
    v = v * base + d;
  }
  return v;
}

int kv_find(const char *args, const char *key, const char **val) {
  usize klen = strlen(key);
  int found = -1;
  const char *p = args;
  while (p && *p) {
    while (*p == ' ') p++;
    const char *tok = p;
    while (*p && *p != ' ') p++;
    usize tlen = (usize)(p - tok);
    if (tlen > klen && tok[klen] == '=' && strncmp(tok, key, klen) == 0) {
      *val = tok + klen + 1;
      found = (int)(tlen - klen - 1);
    }
  }
  return found;
}

u64 kv_u64(const char *args, const char *key, u64 dflt) {
  const char *v;
  int n = kv_find(args, key, &v);
  if (n <= 0) return dflt;
  return parse_u64(v, (usize)n);
}
