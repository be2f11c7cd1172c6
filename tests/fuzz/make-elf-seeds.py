#!/usr/bin/python3
"""The ELF loader harness's seeds, written at build time so that no binary is committed: small
MIPS32 little-endian executables (ELF32 header, program headers at 0x34, 16 bytes of code at
0x100: lui/ori/b ./nop), each a case the loader must take or refuse in one line.

    tests/fuzz/make-elf-seeds.py OUTDIR [VMLINUZ]

With VMLINUZ (the pinned guest kernel), also vmlinuz-cut-after-phdrs: its ELF header and program
headers alone, the segments' bytes missing (the loader must name the segment past the end).
"""
import os
import struct
import sys

CODE = struct.pack('<4I', 0x3C080000, 0x25080001, 0x1000FFFF, 0)  # lui t0,0; ori t0,1; b .; nop
PT_LOAD, PT_MIPS_ABIFLAGS = 1, 0x70000003


def elf(entry, phdrs):
    """phdrs: (type, offset, vaddr, filesz, memsz, flags, align), paddr = vaddr."""
    head = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    # ET_EXEC, EM_MIPS, EV_CURRENT; e_flags: noreorder, pic, cpic, arch mips32r2
    head += struct.pack('<HHIIIIIHHHHHH', 2, 8, 1, entry, 0x34, 0, 0x70001007, 0x34, 0x20,
                        len(phdrs), 0x28, 0, 0)
    for t, off, va, fsz, msz, fl, al in phdrs:
        head += struct.pack('<8I', t, off, va, va, fsz, msz, fl, al)
    return head.ljust(0x100, b'\0') + CODE


SEEDS = {
    'good-kseg0': elf(0x80001000, [(PT_LOAD, 0x100, 0x80001000, 0x10, 0x40, 7, 0x1000)]),
    'good-physical': elf(0x1000, [(PT_LOAD, 0x100, 0x1000, 0x10, 0x10, 7, 0x1000)]),
    'good-two-segments': elf(0x80001000, [
        (PT_LOAD, 0x100, 0x80001000, 0x10, 0x40, 5, 0x1000),
        (PT_MIPS_ABIFLAGS, 0x100, 0x80001000, 8, 8, 4, 8),
        (PT_LOAD, 0x108, 0xA0002000, 8, 0x1000, 6, 0x1000)]),
    # a segment whose file bytes end past the end of the file (the truncated-kernel case)
    'bad-segment-past-end': elf(0x80001000, [(PT_LOAD, 0x100, 0x80001000, 0x1000, 0x1000, 7, 0x1000)]),
    # a kseg0 segment at physical 0x10000000, past the guest's RAM
    'bad-outside-ram': elf(0x80001000, [(PT_LOAD, 0x100, 0x90000000, 0x10, 0x10, 7, 0x1000)]),
}

if __name__ == '__main__':
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: make-elf-seeds.py OUTDIR [VMLINUZ]')
    os.makedirs(sys.argv[1], exist_ok=True)
    if len(sys.argv) == 3:
        with open(sys.argv[2], 'rb') as f:
            head = f.read(0x34)
            phoff, = struct.unpack_from('<I', head, 0x1C)
            phnum, = struct.unpack_from('<H', head, 0x2C)
            f.seek(0)
            SEEDS['vmlinuz-cut-after-phdrs'] = f.read(phoff + 32 * phnum)
    for name, data in SEEDS.items():
        with open(os.path.join(sys.argv[1], name), 'wb') as f:
            f.write(data)
