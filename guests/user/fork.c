/* fork: the forkwait microbenchmark. Fork; the child exits at once with a known status; the
 * parent waits for it. N times. Self-check: wait returns that child and its status.
 * Then a preemption check (rr=): parent and child both spin for a few ticks without making
 * system calls that block; with round-robin on the timer tick the parent must observe a gap of
 * at least half a tick in its own clock readings (the child's time slice). */
#include "ulib.h"

static int round_robin_check(void) {
  u64 deadline = uptime() + 4;
  int pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    while (uptime() < deadline) {}
    exit(0x55);
  }
  u64 last = time_us(), max_gap = 0;
  while (uptime() < deadline) {
    u64 now = time_us();
    if (now - last > max_gap) max_gap = now - last;
    last = now;
  }
  int status = -1;
  if (wait(&status) != pid || status != 0x55) return 0;
  printf("INFO fork rr max_gap_us=%lu\n", max_gap);
  return max_gap >= 5000;   /* half of the 10 ms tick */
}

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
  int rr = round_robin_check();
  if (!rr) ok = 0;
  printf("RESULT fork n=%lu crc=0x%08x rr=%s %s\n", n, crc, rr ? "ok" : "fail", ok ? "ok" : "fail");
  return ok ? 0 : 1;
}
