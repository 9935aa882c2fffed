#!/bin/sh
# Build the FP benchmark (a bare-metal M-mode program for the virt board) from this folder's
# sources: images/fp-bench.elf + images/manifest.json. Same flags and link script as guests/bzip2.
#   sh guests/fpbench/build.sh            (needs gcc-riscv64-unknown-elf)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/vm-fpbench-build}
CC=riscv64-unknown-elf-gcc
mkdir -p "$BUILD_DIR" "$here/images"
# -fno-math-errno: sqrt is the FSQRT.D instruction, as in any libm-free build.
FLAGS="-march=rv64gc -mabi=lp64d -mcmodel=medany -ffreestanding -nostdlib -O2 -fno-common -fno-pic
       -fno-stack-protector -fno-asynchronous-unwind-tables -fno-math-errno -ffile-prefix-map=$here=."
# shellcheck disable=SC2086
$CC $FLAGS -Wall -c "$here/main.c" -o "$BUILD_DIR/main.o"
# shellcheck disable=SC2086
$CC $FLAGS -c "$here/start.S" -o "$BUILD_DIR/start.o"
$CC -march=rv64gc -mabi=lp64d -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	-T "$here/../bzip2/link.ld" -o "$here/images/fp-bench.elf" "$BUILD_DIR/start.o" "$BUILD_DIR/main.o" -lgcc
sha=$(sha256sum "$here/images/fp-bench.elf" | cut -d' ' -f1)
size=$(stat -c %s "$here/images/fp-bench.elf")
cat > "$here/images/manifest.json" <<JSON
{
  "fp-bench.elf": { "bytes": $size, "sha256": "$sha" },
  "sources": "guests/fpbench/main.c, start.S; guests/bzip2/link.ld",
  "toolchain": "$($CC --version | head -1)"
}
JSON
echo "built $here/images/fp-bench.elf ($size bytes, sha256 $sha)"
