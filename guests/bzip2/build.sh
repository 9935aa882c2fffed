#!/bin/sh
# Build the bzip2 benchmark (a bare-metal M-mode program for the virt board) from Debian's
# bzip2 source package and this folder's harness: images/bzip2-bench.elf + images/manifest.json.
#   sh guests/bzip2/build.sh            (Debian 12; needs gcc-riscv64-unknown-elf and a deb-src entry,
#                                        which guests/linux/build.sh adds, or SRC=path/to/bzip2-1.0.8)
# Environment: BUILD_DIR (default /tmp/vm-bzip2-build), SRC (an unpacked bzip2 source tree).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/vm-bzip2-build}
CC=riscv64-unknown-elf-gcc
mkdir -p "$BUILD_DIR" "$here/images"
if [ -z "${SRC:-}" ]; then
	(cd "$BUILD_DIR" && [ -d bzip2-1.0.8 ] || apt-get source bzip2=1.0.8-5)
	SRC=$BUILD_DIR/bzip2-1.0.8
fi
# libbz2 without stdio (bzlib.h: BZ_NO_STDIO), as for an embedded target; same flags as guests/Makefile.
FLAGS="-march=rv64gc -mabi=lp64d -mcmodel=medany -ffreestanding -nostdlib -O2 -fno-common -fno-pic
       -fno-stack-protector -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns
       -ffile-prefix-map=$SRC=bzip2-1.0.8 -ffile-prefix-map=$here=. -DBZ_NO_STDIO -I$here/include -I$SRC"
objs=""
for f in blocksort huffman crctable randtable compress decompress bzlib; do
	# shellcheck disable=SC2086
	$CC $FLAGS -w -c "$SRC/$f.c" -o "$BUILD_DIR/$f.o"
	objs="$objs $BUILD_DIR/$f.o"
done
# shellcheck disable=SC2086
$CC $FLAGS -Wall -c "$here/main.c" -o "$BUILD_DIR/main.o"
# shellcheck disable=SC2086
$CC $FLAGS -c "$here/start.S" -o "$BUILD_DIR/start.o"
# shellcheck disable=SC2086
$CC -march=rv64gc -mabi=lp64d -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	-T "$here/link.ld" -o "$here/images/bzip2-bench.elf" "$BUILD_DIR/start.o" "$BUILD_DIR/main.o" $objs -lgcc
sha=$(sha256sum "$here/images/bzip2-bench.elf" | cut -d' ' -f1)
size=$(stat -c %s "$here/images/bzip2-bench.elf")
cat > "$here/images/manifest.json" <<JSON
{
  "bzip2-bench.elf": { "bytes": $size, "sha256": "$sha" },
  "source": "Debian bzip2 1.0.8-5 (apt-get source bzip2): blocksort.c huffman.c crctable.c randtable.c compress.c decompress.c bzlib.c, built with -DBZ_NO_STDIO",
  "harness": "guests/bzip2/main.c, start.S, link.ld",
  "toolchain": "$($CC --version | head -1)"
}
JSON
echo "built $here/images/bzip2-bench.elf ($size bytes, sha256 $sha)"
