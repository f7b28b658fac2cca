#!/bin/sh
# Records gdb's view of the Linux sample at the first ksys_write (busybox's first write
# to the console) into linux-gdb.txt: QEMU with OpenSBI and its gdbstub, gdb-multiarch
# with vmlinux, the commands of linux-gdb.cmds.
#
# Usage (from this folder): ./record-linux-gdb.sh /path/to/vmlinux   (xz -dk samples/linux/vmlinux.xz)
set -e
vmlinux=$1
port=${PORT:-12399}
L=../../../samples/linux
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
cmds=$(mktemp)
sed "s/PORT/$port/" linux-gdb.cmds > "$cmds"
qemu-system-riscv64 -M virt -m 128M -bios "$OPENSBI" -nographic -kernel $L/Image \
	-initrd $L/initramfs.cpio.gz -append console=ttyS0 -gdb tcp:127.0.0.1:$port -S < /dev/null > /dev/null 2>&1 &
qemu=$!
trap 'rm -f "$cmds"; kill $qemu 2>/dev/null || true' EXIT
sleep 1
gdb-multiarch -batch -nx -x "$cmds" "$vmlinux" 2>&1 | grep -E '^(Breakpoint 1, |\$[0-9]+ = |[a-z]+ = )' > linux-gdb.txt
