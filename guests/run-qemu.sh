#!/bin/sh
# Run a guest image on QEMU's virt board (the reference machine).
#   guests/run-qemu.sh IMAGE [bootargs...]
# Boot mode follows the image name: kernel-m* boots with -bios none (our own M-mode code);
# kernel-s*/kernel-pv* boot as payloads of Debian's OpenSBI fw_jump. A fresh 8 MiB scratch disk
# is attached as a modern (version 2) virtio-mmio block device.
# Environment: TIMEOUT (seconds, default 120), QEMU (binary), OPENSBI (fw_jump.bin path),
#              QEMU_EXTRA (more QEMU options).
# Exit status: 0 when the guest printed "DONE pass", 1 otherwise (also on timeout).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 IMAGE [bootargs...]" >&2; exit 2; }
image=$1; shift
args="$*"
QEMU=${QEMU:-qemu-system-riscv64}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
TIMEOUT=${TIMEOUT:-120}
case $(basename "$image") in
  kernel-m*) bios=none ;;
  *) bios=$OPENSBI ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
truncate -s 8M "$tmp/disk.img"
set +e
# shellcheck disable=SC2086
timeout "$TIMEOUT" "$QEMU" -M virt -m 256M -smp 1 -nographic -monitor none -serial stdio \
  -bios "$bios" -kernel "$image" -append "$args" \
  -global virtio-mmio.force-legacy=false \
  -drive file="$tmp/disk.img",format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 \
  ${QEMU_EXTRA:-} </dev/null | tee "$tmp/out.txt"
set -e
tr -d '\r' < "$tmp/out.txt" | grep -qx 'DONE pass'
