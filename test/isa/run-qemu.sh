#!/bin/sh
# Run every built ISA test on QEMU, the reference:
#   bare  : qemu-system-riscv64 -M spike -bios none -kernel X  (HTIF: exit status 0 = pass,
#           N = failing test case N)
#   guest : qemu-system-riscv64 -M virt -bios <OpenSBI fw_jump.bin> -kernel X
#           (the console shows "PASS" or "FAIL <n>"; OpenSBI's SRST on virt exits QEMU with 0
#           whatever the reason, so the console line is what counts)
# Usage: ./run-qemu.sh [elf...]   (default: build/bare/*.elf build/guest/*.elf)
# Prints one line per ELF and "N passed, N failed"; exits 1 if any failed.
cd "$(dirname "$0")" || exit 2
QEMU=${QEMU:-qemu-system-riscv64}
OPENSBI=${OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
QEMU_CPU=${QEMU_CPU:-rv64,h=true,sstc=true}
pass=0; fail=0
[ $# -eq 0 ] && set -- build/bare/*.elf build/guest/*.elf
for elf in "$@"; do
  case "$elf" in
    *bare/*)
      timeout 20 "$QEMU" -M spike -cpu "$QEMU_CPU" -bios none -kernel "$elf" -nographic \
        -monitor none -serial none >/dev/null 2>&1 </dev/null
      rc=$?
      if [ $rc -eq 0 ]; then res=PASS; elif [ $rc -eq 124 ]; then res="TIMEOUT"; else res="FAIL $rc"; fi ;;
    *)
      out=$(timeout 20 "$QEMU" -M virt -cpu "$QEMU_CPU" -bios "$OPENSBI" -kernel "$elf" -nographic \
        </dev/null 2>&1)
      rc=$?
      res=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^(PASS|FAIL)' | tail -1)
      [ -z "$res" ] && res="NO RESULT (exit $rc)"
      [ $rc -eq 124 ] && res="$res (TIMEOUT)" ;;
  esac
  printf '%-28s %s\n' "$elf" "$res"
  if [ "$res" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
