#!/usr/bin/env bash
# Puts the Linux sample's kernel sources where its debug info expects them, so kernel frames
# open their C files in the debugger: the DWARF of vmlinux names
# samples/linux/build/linux-source-6.1/... (build.sh maps the build tree there), and this
# unpacks Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz) into
# samples/linux/build/linux-source-6.1 (gitignored). Installs the package with apt-get when it
# is missing, the version PROVENANCE.md names when the archive still has it; warns when the
# sources are another version than the build's (lines may then not match).
# Leaves out Documentation/, tools/ and other architectures' arch/ folders, which a RISC-V
# kernel's debug info never names (1.2 GB unpacked; 140 MB download, about a minute).
#
#   bash samples/linux/get-sources.sh        (from the repository root; any folder works)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KVER=6.1
PKG=linux-source-$KVER
TARBALL=/usr/src/$PKG.tar.xz
DEST=$HERE/build/$PKG
# The version the committed kernel was built from (PROVENANCE.md's package table).
WANT=$(sed -n "s/^| \`$PKG\`[^|]*| \([^ |]*\) |.*/\1/p" "$HERE/PROVENANCE.md" | head -n1)
WANT=${WANT:-unknown}

say() { printf 'get-sources: %s\n' "$*"; }
die() { printf 'get-sources: %s\n' "$*" >&2; exit 1; }

installed_version() { dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true; }

if [ -f "$DEST/Makefile" ]; then
  say "sources already in $DEST"
  have=$(installed_version)
  [ -z "$have" ] || [ "$have" = "$WANT" ] || say "warning: $PKG $have is installed; the sample was built from $WANT"
  exit 0
fi

if [ ! -f "$TARBALL" ]; then
  command -v apt-get >/dev/null || die "$TARBALL is missing and there is no apt-get: install Debian's $PKG ($WANT) by hand"
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "installing $PKG needs root: run as root, or install $PKG ($WANT) first"
    SUDO=sudo
  fi
  # The exact version when the archive has it, else the newest (warned about below).
  spec=$PKG
  if apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$WANT"; then
    spec=$PKG=$WANT
  else
    say "updating the package lists to find $PKG"
    $SUDO apt-get update -q || true
    apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$WANT" && spec=$PKG=$WANT
  fi
  say "installing $spec (about 140 MB download)"
  # Waits for another apt/dpkg run to finish instead of failing on its lock.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "$spec" || die "apt-get could not install $spec"
fi
[ -f "$TARBALL" ] || die "$TARBALL is still missing after installing $PKG"

have=$(installed_version)
if [ -n "$have" ] && [ "$have" != "$WANT" ]; then
  say "warning: $PKG $have, but the sample was built from $WANT: some lines may not match the code"
fi

say "unpacking $TARBALL into $DEST"
mkdir -p "$HERE/build"
TMP=$(mktemp -d "$HERE/build/.$PKG.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# GNU tar: wildcards in --exclude match whole member names; riscv is the one arch folder kept.
tar -C "$TMP" -xJf "$TARBALL" \
  --exclude="$PKG/Documentation" --exclude="$PKG/tools" \
  --exclude="$PKG/arch/[!r]*" --exclude="$PKG/arch/r[!i]*"
[ -f "$TMP/$PKG/Makefile" ] || die "$TARBALL did not hold $PKG/"
mv "$TMP/$PKG" "$DEST"
say "done: $(du -sh "$DEST" | cut -f1) in $DEST; kernel frames now open their sources (restart the debug session)"
