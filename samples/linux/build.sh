#!/usr/bin/env bash
# Builds the Hyperscope Linux sample from Debian packages only:
#   - the kernel from linux-source-6.1 (tinyconfig + kernel.config), cross-built
#     with gcc-riscv64-linux-gnu (Debian's default -march, rv64gc);
#   - busybox from Debian's source package (apt-get source), static, same compiler;
#   - initramfs.cpio.gz from busybox plus rootfs/ (init, inittab, profile).
# Outputs (copied next to this script, committed): Image, vmlinux.xz,
# initramfs.cpio.gz, and build/provenance.txt with versions and sha256 sums.
# Work happens in samples/linux/build/ (gitignored). Takes several minutes; it is
# not part of `npm test`. Run as root or with sudo available (apt-get).
#
#   samples/linux/build.sh            # everything
#   samples/linux/build.sh initramfs  # only busybox + initramfs
#   samples/linux/build.sh kernel     # only the kernel
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$HERE/build
JOBS=$(nproc)
CROSS=riscv64-linux-gnu-
KVER=6.1
KSRC=$BUILD/linux-source-$KVER
WHAT=${1:-all}
# Fixed build identity and time, so `uname -a` and the bytes do not depend on
# who built it or when.
export KBUILD_BUILD_USER=hyperscope KBUILD_BUILD_HOST=debian KBUILD_BUILD_VERSION=1
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2025'
export SOURCE_DATE_EPOCH=1735689600
export LC_ALL=C TZ=UTC

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
log() { printf '\n=== %s\n' "$*"; }

# --- Debian packages ---------------------------------------------------------
need_packages() {
  local missing=() p
  for p in linux-source-$KVER gcc-riscv64-linux-gnu make bc bison flex libssl-dev \
           libelf-dev cpio xz-utils gzip dpkg-dev perl python3; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
  fi
}

# apt-get source needs a deb-src entry for the same Debian mirror and suite that
# the deb entries use. Adds one (once) derived from the existing deb entries.
ensure_deb_src() {
  local codename out
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  if grep -rqsE '^(Types:.*\bdeb-src\b|deb-src[[:space:]])' \
       /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
    return
  fi
  log "adding deb-src entries for $codename"
  local tmp
  tmp=$(mktemp)
  # deb822 files: copy each stanza of Types: deb whose Suites has the codename.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" '
      function flush() {
        if (st != "" && isdeb && hascn) { sub(/Types:[^\n]*/, "Types: deb-src", st); printf "%s\n", st }
        st = ""; isdeb = 0; hascn = 0
      }
      /^[[:space:]]*$/ { flush(); next }
      {
        st = st $0 "\n"
        if ($1 == "Types:") for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1
        if ($1 == "Suites:") for (i = 2; i <= NF; i++) if ($i == cn) hascn = 1
      }
      END { flush() }' "$f" >> "$tmp"
  done
  if [ -s "$tmp" ]; then
    out=/etc/apt/sources.list.d/hyperscope-deb-src.sources
  else
    # One-line format: deb [opts] URI SUITE COMPONENTS...
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v cn="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i == cn) { sub(/^deb/, "deb-src"); print; break } }' > "$tmp"
    out=/etc/apt/sources.list.d/hyperscope-deb-src.list
  fi
  [ -s "$tmp" ] || { echo "build.sh: no Debian deb entry for $codename to derive deb-src from" >&2; exit 1; }
  $SUDO install -m 644 "$tmp" "$out"
  rm -f "$tmp"
  $SUDO apt-get update -q
}

# --- kernel --------------------------------------------------------------------
# DWARF paths relative to the repository root (C and assembler), so the debug
# info and the build-id (a hash over vmlinux) do not depend on the checkout's path.
kmake() {
  local map="-fdebug-prefix-map=$KSRC=samples/linux/build/linux-source-$KVER"
  make -C "$KSRC" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS" KCFLAGS="$map" KAFLAGS="$map" "$@"
}

build_kernel() {
  if [ ! -f "$KSRC/Makefile" ]; then
    log "unpacking /usr/src/linux-source-$KVER.tar.xz"
    mkdir -p "$BUILD"
    tar -C "$BUILD" -xf /usr/src/linux-source-$KVER.tar.xz
  fi
  log "configuring: tinyconfig + kernel.config"
  kmake tinyconfig >/dev/null
  (cd "$KSRC" && ARCH=riscv CROSS_COMPILE=$CROSS scripts/kconfig/merge_config.sh -m .config "$HERE/kernel.config" >/dev/null)
  kmake olddefconfig >/dev/null
  check_config
  log "building Image and vmlinux ($JOBS jobs)"
  kmake Image vmlinux
  cp "$KSRC/arch/riscv/boot/Image" "$HERE/Image"
  xz -T1 -9 -c "$KSRC/vmlinux" > "$HERE/vmlinux.xz"
}

# Every option the fragment sets must be in the final .config: Kconfig silently
# drops options whose dependencies are not met.
check_config() {
  local line sym bad=0
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*=*)
        grep -qxF "$line" "$KSRC/.config" || { echo "kernel.config: '$line' did not stick" >&2; bad=1; } ;;
      "# CONFIG_"*" is not set")
        sym=${line#\# }; sym=${sym%% *}
        if grep -q "^$sym=" "$KSRC/.config"; then echo "kernel.config: $sym should be off" >&2; bad=1; fi ;;
    esac
  done < "$HERE/kernel.config"
  [ $bad = 0 ] || exit 1
}

# --- busybox + initramfs ---------------------------------------------------------
build_busybox() {
  local bb
  bb=$(ls -d "$BUILD"/busybox-*/ 2>/dev/null | head -n1 || true)
  if [ -z "$bb" ]; then
    ensure_deb_src
    log "apt-get source busybox"
    mkdir -p "$BUILD/debsrc"
    (cd "$BUILD/debsrc" && apt-get source -q busybox)
    mv "$(ls -d "$BUILD"/debsrc/busybox-*/ | head -n1)" "$BUILD/"
    bb=$(ls -d "$BUILD"/busybox-*/ | head -n1)
  fi
  bb=${bb%/}
  log "building busybox (static) in $bb"
  make -C "$bb" ARCH=riscv CROSS_COMPILE=$CROSS defconfig >/dev/null
  # Static, no hardware SHA (x86 only); everything else is busybox's defconfig.
  sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
         -e 's/^CONFIG_SHA1_HWACCEL=y/# CONFIG_SHA1_HWACCEL is not set/' \
         -e 's/^CONFIG_SHA256_HWACCEL=y/# CONFIG_SHA256_HWACCEL is not set/' \
         -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' "$bb/.config"
  make -C "$bb" ARCH=riscv CROSS_COMPILE=$CROSS oldconfig </dev/null >/dev/null
  make -C "$bb" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS" busybox 2>&1 | grep -v 'statically linked applications requires at runtime' | tail -n 5
  rm -rf "$BUILD/rootfs"
  make -C "$bb" ARCH=riscv CROSS_COMPILE=$CROSS CONFIG_PREFIX="$BUILD/rootfs" install >/dev/null
  BUSYBOX_DIR=$bb
}

build_initramfs() {
  local root=$BUILD/rootfs gen=$KSRC/usr/gen_init_cpio
  cp -a "$HERE/rootfs/." "$root/"
  mkdir -p "$root"/{proc,sys,dev,tmp,mnt,root}
  [ -x "$gen" ] || kmake usr/gen_init_cpio >/dev/null
  # gen_init_cpio takes a regular file's mtime from the file (-t covers the rest).
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  # The cpio list: every file owned by root with a fixed mtime, plus the
  # /dev/console node the kernel opens before init runs (devtmpfs is not yet
  # mounted at that point).
  {
    echo "nod /dev/console 0600 0 0 c 5 1"
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort) | while IFS= read -r p; do
      local f=$root/${p#./} name=/${p#./} mode
      mode=$(stat -c %a "$f")
      if [ -L "$f" ]; then echo "slink $name $(readlink "$f") $mode 0 0"
      elif [ -d "$f" ]; then echo "dir $name $mode 0 0"
      else echo "file $name $f $mode 0 0"; fi
    done
  } > "$BUILD/initramfs.list"
  "$gen" -t "$SOURCE_DATE_EPOCH" "$BUILD/initramfs.list" > "$BUILD/initramfs.cpio"
  gzip -n -9 -c "$BUILD/initramfs.cpio" > "$HERE/initramfs.cpio.gz"
}

# --- provenance ------------------------------------------------------------------
write_provenance() {
  local out=$BUILD/provenance.txt p
  {
    echo "# built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME") ($(uname -m))"
    for p in linux-source-$KVER gcc-riscv64-linux-gnu gcc-12-riscv64-linux-gnu \
             binutils-riscv64-linux-gnu libc6-dev-riscv64-cross; do
      echo "$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
    done
    echo "busybox source $(cd "$BUILD" && ls debsrc/*.dsc 2>/dev/null | xargs -r -n1 basename)"
    echo "kernel $(cat "$KSRC/include/config/kernel.release" 2>/dev/null || echo '?')"
    echo "compiler $(${CROSS}gcc --version | head -n1)"
    (cd "$HERE" && sha256sum Image vmlinux.xz initramfs.cpio.gz 2>/dev/null || true)
    echo "vmlinux $(xz -dc "$HERE/vmlinux.xz" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  } > "$out"
  cat "$out"
}

need_packages
case "$WHAT" in
  all) build_kernel; build_busybox; build_initramfs ;;
  kernel) build_kernel ;;
  initramfs) build_busybox; build_initramfs ;;
  *) echo "usage: build.sh [all|kernel|initramfs]" >&2; exit 2 ;;
esac
write_provenance
ls -l "$HERE"/Image "$HERE"/vmlinux.xz "$HERE"/initramfs.cpio.gz 2>/dev/null || true
