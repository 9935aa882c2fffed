#!/bin/sh
# CPU-bound overhead of a VM against bare metal (issue 14's "VM vs bare ≤ 3 %"), side by side in one
# run: our `cpu` workload's iterations per second under each stack, from the difference between
# a short and a long run, so boot, the host's first-touch page faults (docs/translator.md) and
# Node's start cancel out; each configuration runs REPS times and the fastest counts (the
# machine is shared), the stacks interleaved.
#   bare-m       kernel-m.elf, -bios none, on the bare board
#   native-trap  the same ELF in virtual M-mode under the type-1 hypervisor (trap-and-emulate)
#   bare-sbi     Debian's OpenSBI fw_jump + kernel-s.elf on the bare board
#   native-trap-s, native-hext  kernel-s on the hypervisor's SBI, trap-and-emulate / H-extension
#   sh apps/bench/vm-vs-bare.sh [REPS] [SHORT] [LONG]     (default: 3 200 4000)
set -eu
cd "$(dirname "$0")/../.."
REPS=${1:-3}
SHORT=${2:-200}
LONG=${3:-4000}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
secs() { # $1 iters, rest: vm run flags -> seconds of guest run (vm --stats)
  n=$1
  shift
  pnpm -s vm run "$@" -append "workload=cpu cpu.iters=$n" --stats 2>&1 |
    sed -n 's/.* instructions in \([0-9.]*\) s.*/\1/p'
}
flags() {
  case $1 in
  bare-m) echo "-bios none -kernel guests/images/kernel-m.elf" ;;
  native-trap) echo "--hypervisor native --mode trap -bios none -kernel guests/images/kernel-m.elf" ;;
  bare-sbi) echo "-bios $FW -kernel guests/images/kernel-s.elf" ;;
  native-trap-s) echo "--hypervisor native --mode trap -bios none -kernel guests/images/kernel-s.elf" ;;
  native-hext) echo "--hypervisor native --mode hext -bios none -kernel guests/images/kernel-s.elf" ;;
  esac
}
STACKS="bare-m native-trap bare-sbi native-trap-s native-hext"
dir=$(mktemp -d)
for _ in $(seq "$REPS"); do
  for s in $STACKS; do
    # shellcheck disable=SC2046
    secs "$SHORT" $(flags "$s") >> "$dir/$s.short"
    # shellcheck disable=SC2046
    secs "$LONG" $(flags "$s") >> "$dir/$s.long"
  done
done
best() { sort -n "$1" | head -1; }
echo "cpu workload, iterations/s from $SHORT vs $LONG iterations, best of $REPS (load $(cut -d' ' -f1-3 /proc/loadavg)):"
for s in $STACKS; do
  tS=$(best "$dir/$s.short")
  tL=$(best "$dir/$s.long")
  r=$(echo "scale=2; ($LONG - $SHORT) / ($tL - $tS)" | bc)
  echo "$s $r $tS $tL" >> "$dir/rates"
  printf '  %-14s %9s it/s   (%ss / %ss)\n' "$s" "$r" "$tS" "$tL"
done
base() { awk -v s="$1" '$1 == s { print $2 }' "$dir/rates"; }
ov() { echo "scale=1; 100 * $(base "$2") / $(base "$1") - 100" | bc; }
echo "  native-trap vs bare-m: $(ov native-trap bare-m)% overhead; native-trap-s vs bare-sbi: $(ov native-trap-s bare-sbi)%; native-hext vs bare-sbi: $(ov native-hext bare-sbi)%"
rm -rf "$dir"
