#!/bin/sh
# Side by side in one run, on the bare board with the translator (WebAssembly back end, the
# default; and the JavaScript back end, VM_TRANSLATE=js), without it, and on
# qemu-system-riscv64 (TCG), -bios none:
#   cpu    our `cpu` workload (guests/user/cpu.c in kernel-m)
#   bzip2  Debian's libbz2 compressing and decompressing 128 KiB per iteration (guests/bzip2)
#   fp     double-precision gravity and matrix product (guests/fpbench)
# Per-iteration cost is taken from the difference between a long and a short run, so boot and
# start-up (Node, QEMU) cancel out; each configuration runs REPS times and the fastest counts
# (the machine is shared).
#   sh packages/isa/bench/translator-vs-qemu.sh [REPS] [WORKLOADS]     (default: 3 "cpu bzip2")
set -eu
cd "$(dirname "$0")/../../.."
REPS=${1:-3}
WORKLOADS=${2:-cpu bzip2}
best() { sort -n | head -1; }
ours() { # $1 iters, $2 flag, $3 VM_TRANSLATE (optional) -> seconds of guest run (vm --stats)
  for _ in $(seq "$REPS"); do
    VM_TRANSLATE=${3:-} pnpm -s vm run $2 -bios none -kernel "$img" -append "$(args "$1")" --stats 2>&1 |
      sed -n 's/.* instructions in \([0-9.]*\) s.*/\1/p'
  done | best
}
qemu() { # $1 iters -> wall seconds
  for _ in $(seq "$REPS"); do
    s=$(date +%s.%N)
    timeout 300 qemu-system-riscv64 -M virt -m 256M -smp 1 -nographic -monitor none -serial stdio \
      -bios none -kernel "$img" -append "$(args "$1")" </dev/null >/dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | best
}
for w in $WORKLOADS; do
  case $w in
  # QEMU's start-up varies by ±0.5 s here, so its long run is long enough to dwarf that.
  cpu) img=guests/images/kernel-m.elf; SHORT=200; LONG=20000; QLONG=200000; args() { echo "workload=cpu cpu.iters=$1"; } ;;
  bzip2) img=guests/bzip2/images/bzip2-bench.elf; SHORT=1; LONG=6; QLONG=60; args() { echo "bzip2.iters=$1"; } ;;
  fp) img=guests/fpbench/images/fp-bench.elf; SHORT=20; LONG=1000; QLONG=5000; args() { echo "fp.iters=$1"; } ;;
  *) echo "unknown workload $w (cpu, bzip2, fp)" >&2; exit 2 ;;
  esac
  tS=$(ours $SHORT ""); tL=$(ours $LONG "")
  jS=$(ours $SHORT "" js); jL=$(ours $LONG "" js)
  iS=$(ours $SHORT --no-translate); iL=$(ours $LONG --no-translate)
  qS=$(qemu $SHORT); qL=$(qemu $QLONG)
  rate() { echo "scale=2; ($3 - $SHORT) / ($2 - $1)" | bc; }
  rt=$(rate "$tS" "$tL" $LONG); rj=$(rate "$jS" "$jL" $LONG); ri=$(rate "$iS" "$iL" $LONG); rq=$(rate "$qS" "$qL" $QLONG)
  echo "$w workload, iterations/s (from $SHORT vs $LONG iterations, QEMU $SHORT vs $QLONG; best of $REPS):"
  echo "  translator   $rt   (${tS}s / ${tL}s)"
  echo "  js blocks    $rj   (${jS}s / ${jL}s)"
  echo "  interpreter  $ri   (${iS}s / ${iL}s)"
  echo "  qemu tcg     $rq   (${qS}s / ${qL}s)"
  echo "  translator / qemu = $(echo "scale=3; $rt / $rq" | bc)x, js blocks / qemu = $(echo "scale=3; $rj / $rq" | bc)x, interpreter / qemu = $(echo "scale=3; $ri / $rq" | bc)x"
done
