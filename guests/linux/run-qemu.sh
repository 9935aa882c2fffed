#!/bin/sh
# Boot the vm Linux guest (guests/linux/images) on QEMU's virt board.
#   guests/linux/run-qemu.sh [extra kernel args...]
# The console goes to stdout. The guest prints its transcript and powers off.
# Environment:
#   QEMU       binary (default qemu-system-riscv64)
#   BIOS       -bios value (default: "default", QEMU's bundled OpenSBI; e.g.
#              /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin for Debian's)
#   DISK       raw disk image to attach as virtio-blk (default: a fresh 8 MiB scratch file;
#              DISK=none for no disk). The transcript overwrites its first 4 KiB.
#   SMP        number of harts, -smp (default 1)
#   KERNEL     kernel image (default images/Image with SMP=1, images/Image-smp otherwise)
#   TIMEOUT    seconds (default 300; no timeout with vm.shell=1)
#   QEMU_EXTRA more QEMU options
# Exit status: 0 when QEMU exited 0 (guest poweroff) and the transcript ended
# ("=== transcript end ==="); QEMU's status when it was not 0 (124: timeout); 1 otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-system-riscv64}
BIOS=${BIOS:-default}
TIMEOUT=${TIMEOUT:-300}
SMP=${SMP:-1}
if [ "$SMP" = 1 ]; then KERNEL=${KERNEL:-$here/images/Image}; else KERNEL=${KERNEL:-$here/images/Image-smp}; fi
append="console=ttyS0${*:+ $*}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
disk=${DISK:-}
if [ -z "$disk" ]; then
	disk=$tmp/disk.img
	truncate -s 8M "$disk"
fi
set -- -M virt -m 256M -smp "$SMP" -nographic -bios "$BIOS" \
	-kernel "$KERNEL" -initrd "$here/images/initramfs.cpio.gz" -append "$append"
if [ "$disk" != none ]; then
	set -- "$@" -drive file="$disk",if=none,format=raw,id=hd0 -device virtio-blk-device,drive=hd0
fi

case " $append " in
*" vm.shell=1 "*)
	# interactive: the terminal is the console (Ctrl-A X quits QEMU)
	# shellcheck disable=SC2086
	exec "$QEMU" "$@" ${QEMU_EXTRA:-}
	;;
esac

rc=0
# shellcheck disable=SC2086
timeout "$TIMEOUT" "$QEMU" "$@" ${QEMU_EXTRA:-} </dev/null >"$tmp/out.txt" 2>&1 || rc=$?
cat "$tmp/out.txt"
[ "$rc" = 0 ] || exit "$rc"
tr -d '\r' < "$tmp/out.txt" | grep -qx '=== transcript end ===' || exit 1
