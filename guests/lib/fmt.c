/* A small vsnprintf: enough for kernel messages and RESULT lines. */
#include "lib.h"

struct out { char *buf; usize size, len; };

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_num(struct out *o, u64 v, unsigned base, int neg, int width, char pad) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  if (neg) tmp[n++] = '-';
  while (width-- > n) put(o, pad);
  while (n) put(o, tmp[--n]);
}

int vsnprintf(char *buf, usize size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  for (; *fmt; fmt++) {
    if (*fmt != '%') { put(&o, *fmt); continue; }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0') { pad = '0'; fmt++; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') { lng = 1; fmt++; }
    switch (*fmt) {
    case 'd': {
      i64 v = lng ? va_arg(ap, i64) : va_arg(ap, int);
      put_num(&o, v < 0 ? (u64)-v : (u64)v, 10, v < 0, width, pad);
      break;
    }
    case 'u': put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, 0, width, pad); break;
    case 'x': put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, 0, width, pad); break;
    case 'p': put(&o, '0'); put(&o, 'x'); put_num(&o, (u64)va_arg(ap, void *), 16, 0, 16, '0'); break;
    case 'c': put(&o, (char)va_arg(ap, int)); break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      int n = (int)strlen(s);
      while (width-- > n) put(&o, ' ');
      while (*s) put(&o, *s++);
      break;
    }
    case '%': put(&o, '%'); break;
    default: put(&o, '%'); if (*fmt) put(&o, *fmt); else fmt--; break;
    }
  }
  if (size) buf[o.len < size ? o.len : size - 1] = 0;
  return (int)o.len;
}

int snprintf(char *buf, usize size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
