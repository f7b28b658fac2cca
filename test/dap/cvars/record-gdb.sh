#!/bin/sh
# Records gdb's view of the cvars sample, stopped at the 4th call of checkpoint()
# (compute's loop at i == 3), into gdb-<elf>.txt: one "@@ EXPR" line then gdb's
# "$N = VALUE" line per expression of expressions.txt ("up" moves to compute's
# frame). QEMU with OpenSBI and its gdbstub, gdb-multiarch in batch mode:
#
#   qemu-system-riscv64 -M virt -bios fw_jump.bin -nographic -kernel ELF -gdb tcp:127.0.0.1:PORT -S
#   gdb-multiarch -batch -x cmds ELF
#
# Usage: record-gdb.sh ../../../samples/cvars/cvars.elf   (run from this folder)
set -e
elf=$1
port=${PORT:-12345}
name=$(basename "$elf" .elf)
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
cmds=$(mktemp)
trap 'rm -f "$cmds"; kill $qemu 2>/dev/null || true' EXIT
qemu-system-riscv64 -M virt -bios "$OPENSBI" -nographic -kernel "$elf" \
	-gdb tcp:127.0.0.1:$port -S < /dev/null > /dev/null 2>&1 &
qemu=$!
sleep 1
{
	echo "set pagination off"
	echo "set confirm off"
	echo "set width 0"
	echo "target remote 127.0.0.1:$port"
	echo "break checkpoint"
	echo "ignore 1 3"
	echo "continue"
	while IFS= read -r e; do
		if [ "$e" = up ]; then echo "up"; continue; fi
		printf '%s\n' "echo @@ $e\\n"
		echo "print $e"
	done < expressions.txt
	echo "kill"
} > "$cmds"
gdb-multiarch -batch -nx -x "$cmds" "$elf" 2>&1 | grep -E '^(@@ |\$[0-9]+ = )' > "gdb-$name.txt"
