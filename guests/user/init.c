/*
 * init (pid 1): runs the workloads named by workload= (a comma-separated list, or "all") one
 * after the other, each in its own child process, and exits 0 only if every one exited 0. The
 * kernel turns init's exit into "DONE pass|fail" and a poweroff. "all" (the default) leaves out
 * the disk workload when no disk is attached; naming `disk` without one fails.
 */
#include "ulib.h"

static const char *const all[] = { "cpu", "mem", "fork", "disk", "console" };

static int run(const char *name, char **argv) {
  int pid = fork();
  if (pid < 0) { printf("RESULT %s fork-failed fail\n", name); return 1; }
  if (pid == 0) {
    argv[0] = (char *)name;
    exec(name, argv);
    printf("RESULT %s exec-failed fail\n", name);
    exit(127);
  }
  int status = -1;
  int got;
  /* Also reaps orphans reparented to init; stop at our child. */
  while ((got = wait(&status)) != pid && got >= 0) {}
  return status != 0;
}

int main(int argc, char **argv) {
  const char *list = "all";
  int len = 3;
  for (int i = 1; i < argc; i++) {
    const char *v;
    int n = kv_find(argv[i], "workload", &v);
    if (n >= 0) { list = v; len = n; }
  }
  int failures = 0;
  if (len == 3 && strncmp(list, "all", 3) == 0) {
    int disk = disk_info(DISK_PIO) >= 0 || disk_info(DISK_VIRTIO) >= 0;
    for (usize i = 0; i < ARRAY_LEN(all); i++) {
      if (!disk && strcmp(all[i], "disk") == 0) {
        printf("RESULT disk skipped (no disk attached)\n");
        continue;
      }
      failures += run(all[i], argv);
    }
  } else {
    const char *p = list, *end = list + len;
    while (p < end) {
      const char *q = p;
      while (q < end && *q != ',') q++;
      char name[16];
      usize n = (usize)(q - p) < sizeof name - 1 ? (usize)(q - p) : sizeof name - 1;
      memcpy(name, p, n);
      name[n] = 0;
      if (n) failures += run(name, argv);
      p = q + 1;
    }
  }
  return failures ? 1 : 0;
}
