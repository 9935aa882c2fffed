/* fork: the forkwait microbenchmark. Fork; the child exits at once with a known status; the
 * parent waits for it. N times. Self-check: wait returns that child and its status. */
#include "ulib.h"

int main(int argc, char **argv) {
  u64 n = arg_u64(argc, argv, "fork.n", 50);
  int ok = 1;
  u32 crc = 0;
  u64 t0 = time_us();
  for (u64 i = 0; i < n; i++) {
    int pid = fork();
    if (pid == 0) exit((int)(i & 0x7f));
    if (pid < 0) { ok = 0; break; }
    int status = -1;
    int got = wait(&status);
    if (got != pid || status != (int)(i & 0x7f)) ok = 0;
    crc = crc32_update(crc, &status, sizeof status);
  }
  u64 t1 = time_us();
  printf("INFO fork time_us=%lu\n", t1 - t0);
  printf("RESULT fork n=%lu crc=0x%08x %s\n", n, crc, ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
