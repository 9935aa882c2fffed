#!/bin/bash
# guests/linux/build.sh — build the vm Linux guest on Debian 12 (bookworm).
#
#   Linux 6.1 (Debian's linux-source-6.1)   -> images/Image              (raw RISC-V Image)
#     the same + virt-smp.config (SMP)      -> images/Image-smp
#   busybox (Debian's source package), static + guests/linux/init
#                                           -> images/initramfs.cpio.gz
#   images/manifest.json, kernel.config and kernel-smp.config (the full .configs used)
#
# Usage (as root for the apt steps, or with SKIP_APT=1 when the packages are present):
#   guests/linux/build.sh
# Environment:
#   BUILD_DIR  where sources are unpacked and built (default /tmp/vm-linux-build; keep it
#              outside the repository)
#   JOBS       make -j value (default 2)
#   SKIP_APT=1 do not touch apt (sources, packages must already be installed)
#   STEPS      subset of "apt kernel kernel-smp busybox atomics initramfs manifest" (default: all)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/images"
BUILD_DIR="${BUILD_DIR:-/tmp/vm-linux-build}"
JOBS="${JOBS:-2}"
STEPS="${STEPS:-apt kernel kernel-smp busybox atomics initramfs manifest}"

export ARCH=riscv
export CROSS_COMPILE=riscv64-linux-gnu-

PACKAGES=(linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	make bc flex bison cpio xz-utils gzip dpkg-dev libssl-dev libelf-dev)

log() { printf '\n==> %s\n' "$*" >&2; }
want() { [[ " $STEPS " == *" $1 "* ]]; }

# --- 1. apt: deb-src entry, build dependencies, busybox source -------------------------
setup_apt() {
	if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "adding a deb-src entry for bookworm main"
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			# deb822 format (the Debian 12 default)
			cat > /etc/apt/sources.list.d/vm-deb-src.sources <<-'EOF'
			Types: deb-src
			URIs: http://deb.debian.org/debian
			Suites: bookworm
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
			EOF
		else
			echo 'deb-src http://deb.debian.org/debian bookworm main' \
				> /etc/apt/sources.list.d/vm-deb-src.list
		fi
	fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

# SOURCE_DATE_EPOCH: the date of the linux-source-6.1 package's changelog entry, so that
# `uname -v`, busybox's build stamp and the cpio mtimes only change with the sources.
source_date_epoch() {
	dpkg-parsechangelog -l /usr/share/doc/linux-source-6.1/changelog.Debian.gz -S Timestamp
}

# --- 2. kernel ---------------------------------------------------------------------------
# build_kernel BUILD-SUBDIR IMAGE-NAME CONFIG-NAME FRAGMENT...: tinyconfig, then the fragments
# merged in order (a later fragment's line wins), olddefconfig, Image.
build_kernel() {
	local kbname=$1 image=$2 config=$3
	shift 3
	local src="$BUILD_DIR/linux-source-6.1" kb="$BUILD_DIR/$kbname"
	if [ ! -f "$src/Makefile" ]; then
		log "unpacking /usr/src/linux-source-6.1.tar.xz"
		tar -C "$BUILD_DIR" -xf /usr/src/linux-source-6.1.tar.xz
	fi
	mkdir -p "$kb"
	local frags=() f
	for f in "$@"; do frags+=("$HERE/$f"); done
	log "configuring $image: tinyconfig + $*"
	make -C "$src" O="$kb" tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$kb" "$kb/.config" "${frags[@]}"
	make -C "$src" O="$kb" olddefconfig >/dev/null
	# Every option the fragments set must have survived olddefconfig (for an option set twice,
	# the later fragment's value).
	local line k v got bad=0
	declare -A want=()
	while read -r line; do
		case "$line" in
		CONFIG_*=*) k=${line%%=*}; v=${line#*=} ;;
		"# CONFIG_"*" is not set") k=${line#\# }; k=${k%% *}; v=n ;;
		*) continue ;;
		esac
		want[$k]=$v
	done < <(cat "${frags[@]}")
	for k in "${!want[@]}"; do
		v=${want[$k]}
		got=$(grep -E "^$k=" "$kb/.config" | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		if [ "$got" != "$v" ]; then echo "config: $k wanted $v, got $got" >&2; bad=1; fi
	done
	[ $bad = 0 ] || { echo "$* does not apply cleanly" >&2; exit 1; }

	log "building $image (make -j$JOBS)"
	make -C "$src" O="$kb" -j"$JOBS" Image
	make -C "$src" O="$kb" usr/gen_init_cpio >/dev/null
	mkdir -p "$OUT"
	cp "$kb/arch/riscv/boot/Image" "$OUT/$image"
	cp "$kb/.config" "$HERE/$config"
}

# --- 3. busybox --------------------------------------------------------------------------
build_busybox() {
	local bb
	if ! bb=$(ls -d "$BUILD_DIR"/busybox-1.* 2>/dev/null | head -n 1) || [ -z "$bb" ]; then
		log "fetching Debian's busybox source package"
		(cd "$BUILD_DIR" && apt-get source busybox)
		bb=$(ls -d "$BUILD_DIR"/busybox-1.* | head -n 1)
	fi
	local bo="$BUILD_DIR/busybox-build"
	mkdir -p "$bo"
	log "configuring busybox: defconfig + static"
	make -C "$bb" O="$bo" defconfig >/dev/null
	# static; tc does not build against recent kernel headers; no PAM/SELinux.
	sed -i \
		-e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
		-e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
		-e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' \
		"$bo/.config"
	make -C "$bb" O="$bo" oldconfig </dev/null >/dev/null
	grep -q '^CONFIG_STATIC=y' "$bo/.config"
	log "building busybox (make -j$JOBS)"
	make -C "$bo" -j"$JOBS" busybox busybox.links
	riscv64-linux-gnu-strip -o "$BUILD_DIR/busybox.bin" "$bo/busybox"
	cp "$bo/busybox.links" "$BUILD_DIR/busybox.links"
	cp "$bo/.config" "$BUILD_DIR/busybox.config"
}

# --- 3b. atomics: the multi-hart A-extension test (atomics.c) ------------------------------
build_atomics() {
	log "building atomics (static, pthreads)"
	riscv64-linux-gnu-gcc -static -O2 -pthread -o "$BUILD_DIR/atomics.full" "$HERE/atomics.c"
	riscv64-linux-gnu-strip -o "$BUILD_DIR/atomics.bin" "$BUILD_DIR/atomics.full"
}

# --- 4. initramfs ------------------------------------------------------------------------
build_initramfs() {
	local list="$BUILD_DIR/initramfs.list" gen
	# the host tool from either kernel tree (build_kernel makes it in both)
	for gen in "$BUILD_DIR"/kbuild/usr/gen_init_cpio "$BUILD_DIR"/kbuild-smp/usr/gen_init_cpio; do
		[ -x "$gen" ] && break
	done
	local stage="$BUILD_DIR/initramfs-files"
	# gen_init_cpio takes regular files' mtimes from the files: stage copies with a fixed one.
	rm -rf "$stage" && mkdir -p "$stage"
	cp "$BUILD_DIR/busybox.bin" "$stage/busybox"
	cp "$BUILD_DIR/atomics.bin" "$stage/atomics"
	cp "$HERE/init" "$stage/init"
	touch -d "@$SOURCE_DATE_EPOCH" "$stage/busybox" "$stage/atomics" "$stage/init"
	log "writing the initramfs file list"
	{
		echo "dir /dev 0755 0 0"
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "nod /dev/null 0666 0 0 c 1 3"
		for d in /bin /sbin /usr /usr/bin /usr/sbin /proc /sys /tmp /root /etc /mnt; do
			echo "dir $d 0755 0 0"
		done
		echo "file /bin/busybox $stage/busybox 0755 0 0"
		echo "file /bin/atomics $stage/atomics 0755 0 0"
		echo "file /init $stage/init 0755 0 0"
		# one symlink per applet, pointing at /bin/busybox
		sort -u "$BUILD_DIR/busybox.links" | while read -r l; do
			[ "$l" = /bin/busybox ] || echo "slink $l /bin/busybox 0777 0 0"
		done
	} > "$list"
	log "packing initramfs.cpio.gz (mtimes $SOURCE_DATE_EPOCH, owner 0:0)"
	"$gen" -t "$SOURCE_DATE_EPOCH" "$list" | gzip -9 -n > "$OUT/initramfs.cpio.gz"
}

# --- 5. manifest -------------------------------------------------------------------------
pkgver() { dpkg-query -W -f '${Version}' "$1"; }
# The kernel's banner, "Linux version <uname -r> (<user@host>) (<compiler>) <uname -v>":
# uname -r is its third word, uname -v starts at " #<build number>".
banner() { strings "$OUT/$1" | awk '/^Linux version / && !n++'; }
write_manifest() {
	local banner release version banner_smp release_smp version_smp
	banner=$(banner Image)
	release=$(awk '{print $3}' <<<"$banner")
	version=$(sed -n 's/^.*) \(#[0-9][0-9]* .*\)$/\1/p' <<<"$banner")
	banner_smp=$(banner Image-smp)
	release_smp=$(awk '{print $3}' <<<"$banner_smp")
	version_smp=$(sed -n 's/^.*) \(#[0-9][0-9]* .*\)$/\1/p' <<<"$banner_smp")
	local bbver
	bbver=$(sed -n 's/^Version: //p' "$(ls "$BUILD_DIR"/busybox_*.dsc | head -n 1)")
	log "writing manifest.json"
	python3 - "$OUT" "$banner" "$release" "$version" "$banner_smp" "$release_smp" "$version_smp" "$bbver" \
		"$(pkgver linux-source-6.1)" "$(pkgver gcc-riscv64-linux-gnu)" \
		"$(riscv64-linux-gnu-gcc -dumpfullversion)" "$(pkgver libc6-dev-riscv64-cross)" \
		"$(pkgver binutils-riscv64-linux-gnu)" "$SOURCE_DATE_EPOCH" <<-'EOF'
	import hashlib, json, os, sys
	out, banner, release, version, banner_smp, release_smp, version_smp, bbver, linuxver, gccpkg, gccver, libcver, binutils, sde = sys.argv[1:]
	def f(name, **kw):
	    data = open(os.path.join(out, name), "rb").read()
	    return dict(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(), **kw)
	m = {
	    "name": "vm Linux guest (Linux 6.1 + busybox initramfs)",
	    "images": [
	        f("Image", kind="RISC-V Linux Image (raw, with its header); -kernel, loaded at RAM base + 2 MiB",
	          linux_banner=banner, uname_r=release, uname_v=version,
	          uname_a=f"Linux vm {release} {version} riscv64 GNU/Linux",
	          config="guests/linux/kernel.config (tinyconfig + guests/linux/virt.config)"),
	        f("Image-smp", kind="the same kernel with CONFIG_SMP (NR_CPUS=8), for -smp 1..8; -kernel, loaded at RAM base + 2 MiB",
	          linux_banner=banner_smp, uname_r=release_smp, uname_v=version_smp,
	          uname_a=f"Linux vm {release_smp} {version_smp} riscv64 GNU/Linux",
	          config="guests/linux/kernel-smp.config (tinyconfig + guests/linux/virt.config + guests/linux/virt-smp.config)"),
	        f("initramfs.cpio.gz", kind="gzip'd newc cpio: static busybox, applet links, /bin/atomics (guests/linux/atomics.c), /init = guests/linux/init"),
	    ],
	    "sources": {
	        "linux-source-6.1": linuxver,
	        "busybox (Debian source package)": bbver,
	        "gcc-riscv64-linux-gnu": f"{gccpkg} (gcc {gccver})",
	        "binutils-riscv64-linux-gnu": binutils,
	        "libc6-dev-riscv64-cross": libcver,
	    },
	    "build": {
	        "recipe": "guests/linux/build.sh on Debian 12 (bookworm)",
	        "kernel": "make ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- tinyconfig; merge_config.sh virt.config; olddefconfig; Image",
	        "kernel-smp": "the same with merge_config.sh virt.config virt-smp.config",
	        "atomics": "riscv64-linux-gnu-gcc -static -O2 -pthread atomics.c, stripped",
	        "busybox": "make defconfig, CONFIG_STATIC=y, CONFIG_TC=n; riscv64-linux-gnu-gcc against glibc (libc6-dev-riscv64-cross), stripped",
	        "initramfs": "usr/gen_init_cpio from the kernel tree, mtimes = SOURCE_DATE_EPOCH, owner 0:0, gzip -9 -n",
	        "SOURCE_DATE_EPOCH": int(sde),
	        "KBUILD_BUILD_USER": "vm", "KBUILD_BUILD_HOST": "vm", "KBUILD_BUILD_VERSION": "1",
	    },
	    "boot": {
	        "qemu": "guests/linux/run-qemu.sh",
	        "cmdline": "console=ttyS0 (add vm.shell=1 for an interactive shell)",
	        "disk": "optional raw virtio-blk disk (8 MiB); the transcript overwrites its first 4 KiB",
	    },
	}
	with open(os.path.join(out, "manifest.json"), "w") as fh:
	    json.dump(m, fh, indent=2)
	    fh.write("\n")
	EOF
}

# --- main --------------------------------------------------------------------------------
mkdir -p "$BUILD_DIR" "$OUT"
if want apt && [ "${SKIP_APT:-0}" != 1 ]; then setup_apt; fi

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(source_date_epoch)}"
export KBUILD_BUILD_TIMESTAMP="$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH")"
export KBUILD_BUILD_USER=vm KBUILD_BUILD_HOST=vm KBUILD_BUILD_VERSION=1
export LOCALVERSION=
export LC_ALL=C TZ=UTC

start=$(date +%s)
if want kernel; then build_kernel kbuild Image kernel.config virt.config; fi
if want kernel-smp; then build_kernel kbuild-smp Image-smp kernel-smp.config virt.config virt-smp.config; fi
if want busybox; then build_busybox; fi
if want atomics; then build_atomics; fi
if want initramfs; then build_initramfs; fi
if want manifest; then write_manifest; fi
log "done in $(( $(date +%s) - start )) s"
ls -l "$OUT"
