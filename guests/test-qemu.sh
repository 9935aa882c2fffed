#!/bin/sh
# Run every image on QEMU with the same bootargs and check that each prints "DONE pass" and that
# the RESULT lines are identical across images.   guests/test-qemu.sh [bootargs...]
set -u
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
status=0
for img in kernel-m kernel-s kernel-pv; do
  if TIMEOUT=${TIMEOUT:-120} ./run-qemu.sh images/$img.elf "$@" > "$out/$img.log" 2>&1; then
    echo "$img: DONE pass"
  else
    echo "$img: FAILED"; status=1
  fi
  tr -d '\r' < "$out/$img.log" | grep -E '^(RESULT|DONE) ' > "$out/$img.results"
done
for img in kernel-s kernel-pv; do
  if ! diff -u "$out/kernel-m.results" "$out/$img.results"; then
    echo "RESULT lines differ between kernel-m and $img"; status=1
  fi
done
cat "$out/kernel-m.results"
exit $status
