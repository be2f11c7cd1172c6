#!/usr/bin/env bash
# The guest kernel's payload as an ELF: vmlinux.bin at its load address, entered at
# kernel_entry (both from vmlinux.info), so a suite boots the kernel without its decompressor
# (about 2e9 instructions saved per boot). The multi-VM and hostile-guest suites use it.
#
#   tests/vms/make-kernel-elf.sh VMLINUX.INFO VMLINUX.BIN OUTPUT.elf
set -euo pipefail
(($# == 3)) || { echo "usage: $0 VMLINUX.INFO VMLINUX.BIN OUTPUT.elf" >&2; exit 1; }
info=$1 bin=$2 out=$3
load=$(sed -n 's/^load=//p' "$info")
entry=$(sed -n 's/^entry=//p' "$info")
printf 'SECTIONS { . = %s; .text : { *(.data) } }\n' "$load" >"$out.ld"
mipsel-linux-gnu-ld -EL -T "$out.ld" -e "$entry" -b binary "$bin" -b elf32-tradlittlemips -o "$out"
rm -f "$out.ld"
