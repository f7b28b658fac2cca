#!/bin/sh
# Run a sample under QEMU virt + OpenSBI and print the guest's console output
# with OpenSBI's banner removed (everything up to the last "Boot HART ..." line).
#
#   ./run-qemu.sh <elf> [harts]
#   QEMU_MACHINE=virt,aia=aplic-imsic ./run-qemu.sh <elf>   (the AIA board)
#
# Exits with QEMU's status (0 after an SBI shutdown), 124 on a 60 s timeout.
set -e
elf=$1
harts=${2:-1}
[ -n "$elf" ] || { echo "usage: $0 <elf> [harts]" >&2; exit 2; }
QEMU=${QEMU:-qemu-system-riscv64}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 60 "$QEMU" -M "${QEMU_MACHINE:-virt}" -smp "$harts" -bios "$OPENSBI" -nographic \
	-kernel "$elf" < /dev/null > "$out" 2>&1 || status=$?
tr -d '\r' < "$out" | awk '
	state == 2 { print; next }
	/^OpenSBI v/ && state == 0 { state = 1; next }
	state == 1 && /^Boot HART / { seen = 1; next }
	state == 1 && seen { state = 2; print; next }
	state == 0 && NF { print }
'
exit $status
