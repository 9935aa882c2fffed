/*
 * guests/linux/atomics.c — /bin/atomics in the vm Linux guest's initramfs: a multi-hart test of
 * the A extension (RISC-V unprivileged spec, chapter 8 "A" Standard Extension).
 *
 * Starts one thread per online CPU (or argv[1] threads). After a common start barrier every
 * thread adds 1, ITERATIONS times, to each of four shared counters:
 *   amoadd.w      __atomic_fetch_add on a 32-bit counter (the compiler emits amoadd.w)
 *   amoadd.d      __atomic_fetch_add on a 64-bit counter (amoadd.d)
 *   lr.w/sc.w     an explicit load-reserved / store-conditional retry loop (8.2)
 *   lr.d/sc.d     the same on a 64-bit counter
 * and prints the totals, then "atomics: exact" when every total is threads * ITERATIONS and
 * "atomics: WRONG" otherwise (exit status 1). A store by another hart between one hart's LR and
 * its SC must make that SC fail (8.2), or the loop loses an increment and the total comes out
 * short; the AMOs must be indivisible read-modify-writes across harts.
 *
 * The output depends only on the thread count, never on timing: the transcript stays
 * deterministic. Build: riscv64-linux-gnu-gcc -static -O2 -pthread (guests/linux/build.sh).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ITERATIONS 20000

static uint32_t amo_w;
static uint64_t amo_d;
static uint32_t lrsc_w;
static uint64_t lrsc_d;
static pthread_barrier_t start;

static inline void lrsc_add_w(uint32_t *p)
{
	uint32_t v;
	uint32_t fail;
	__asm__ volatile("1:	lr.w	%0, (%2)\n"
			 "	addiw	%0, %0, 1\n"
			 "	sc.w	%1, %0, (%2)\n"
			 "	bnez	%1, 1b\n"
			 : "=&r"(v), "=&r"(fail)
			 : "r"(p)
			 : "memory");
}

static inline void lrsc_add_d(uint64_t *p)
{
	uint64_t v;
	uint64_t fail;
	__asm__ volatile("1:	lr.d	%0, (%2)\n"
			 "	addi	%0, %0, 1\n"
			 "	sc.d	%1, %0, (%2)\n"
			 "	bnez	%1, 1b\n"
			 : "=&r"(v), "=&r"(fail)
			 : "r"(p)
			 : "memory");
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < ITERATIONS; i++) {
		__atomic_fetch_add(&amo_w, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&amo_d, 1, __ATOMIC_RELAXED);
		lrsc_add_w(&lrsc_w);
		lrsc_add_d(&lrsc_d);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1 || n > 64) {
		fprintf(stderr, "atomics: thread count must be 1..64, got %ld\n", n);
		return 2;
	}
	pthread_t t[64];
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (long i = 0; i < n; i++) {
		if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "atomics: pthread_create failed\n");
			return 2;
		}
	}
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);

	uint64_t want = (uint64_t)n * ITERATIONS;
	printf("atomics: %ld threads x %d increments\n", n, ITERATIONS);
	printf("amoadd.w %lu\namoadd.d %lu\nlr.w/sc.w %lu\nlr.d/sc.d %lu\n", (unsigned long)amo_w,
	       (unsigned long)amo_d, (unsigned long)lrsc_w, (unsigned long)lrsc_d);
	int ok = amo_w == want && amo_d == want && lrsc_w == want && lrsc_d == want;
	printf("atomics: %s\n", ok ? "exact" : "WRONG");
	return ok ? 0 : 1;
}
