/**
 * Kernel loading with QEMU virt's rules (hw/riscv/boot.c `riscv_load_kernel`):
 *
 * - ELF64 RISC-V executable: every PT_LOAD segment at its p_paddr, bss zero-filled; the
 *   entry is e_entry, moved from virtual to physical when the executable segment holding
 *   it has p_vaddr != p_paddr (QEMU's load_elf does the same, so a vmlinux works).
 * - Linux RISC-V Image (magic "RISCV\0\0\0" at 0x30 or "RSC\x05" at 0x38): loaded at
 *   RAM base + text_offset (0x80200000 for RV64 kernels), entry at its first byte.
 * - Anything else only when the caller asks for a raw binary: loaded at RAM base + 2 MiB.
 *
 * Every unusable input throws {@link KernelFormatError} with a one-line message.
 */
import { isElf, parseElf, PF_X, PT_LOAD, type ElfFile, type ElfSymbol } from './elf';
import { parseImageHeader } from './image';
import { KernelFormatError } from './kernel-format-error';

export { KernelFormatError } from './kernel-format-error';

/** Offset of a raw binary from the start of RAM (QEMU's KERNEL_BOOT_ADDRESS on RV64). */
export const RAW_LOAD_OFFSET = 0x200000;

/** Bytes to copy into guest RAM at a physical address. */
export interface KernelSegment {
  /** Guest physical address of the first byte. */
  addr: number;
  /** Contents, already zero-filled up to the segment's memory size. */
  bytes: Uint8Array;
}

/** A kernel ready to be copied into RAM. */
export interface LoadedKernel {
  /** What the file was recognised as. */
  format: 'elf' | 'image' | 'raw';
  /** Physical address to start the boot hart at. */
  entry: number;
  /** Segments to copy. */
  segments: KernelSegment[];
  /** One past the highest byte the kernel occupies (Image: includes image_size). */
  end: number;
  /** Symbols (ELF only; empty if stripped). */
  symbols?: ElfSymbol[];
  /** The parsed ELF (ELF only), for section lookups such as .debug_line. */
  elf?: ElfFile;
}

/** Options of {@link loadKernel}. */
export interface LoadKernelOptions {
  /** Accept a file that is neither ELF nor Image as a raw binary. */
  raw?: boolean;
  /**
   * Offset of a raw binary from the start of RAM (default 2 MiB, after the firmware; QEMU's
   * `-bios none` puts it at the start of RAM, 0).
   */
  rawOffset?: number;
}

/**
 * Recognises and lays out a kernel for RAM at `[ram.base, ram.base + ram.size)`.
 * @throws KernelFormatError for an empty, unrecognised, foreign, truncated or too large file.
 */
export function loadKernel(
  bytes: Uint8Array,
  ram: { base: number; size: number },
  opts: LoadKernelOptions = {},
): LoadedKernel {
  if (bytes.length === 0) throw new KernelFormatError('kernel file is empty');
  if (isElf(bytes)) return loadElf(bytes, ram);
  const header = parseImageHeader(bytes);
  if (header) {
    const addr = ram.base + header.textOffset;
    const end = addr + Math.max(header.imageSize, bytes.length);
    checkFits(addr, end, ram, 'Image');
    return { format: 'image', entry: addr, segments: [{ addr, bytes: bytes.slice() }], end };
  }
  if (!opts.raw) throw new KernelFormatError('not an ELF or RISC-V Image file');
  const addr = ram.base + (opts.rawOffset ?? RAW_LOAD_OFFSET);
  const end = addr + bytes.length;
  checkFits(addr, end, ram, 'raw image');
  return { format: 'raw', entry: addr, segments: [{ addr, bytes: bytes.slice() }], end };
}

function loadElf(bytes: Uint8Array, ram: { base: number; size: number }): LoadedKernel {
  const elf = parseElf(bytes);
  const segments: KernelSegment[] = [];
  let end = 0;
  let entry = Number(elf.entry);
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD || ph.memsz === 0) continue;
    checkFits(ph.paddr, ph.paddr + ph.memsz, ram, 'ELF segment');
    const seg = new Uint8Array(ph.memsz);
    seg.set(bytes.subarray(ph.offset, ph.offset + ph.filesz));
    segments.push({ addr: ph.paddr, bytes: seg });
    end = Math.max(end, ph.paddr + ph.memsz);
    // e_entry is virtual: translate it through the executable segment that holds it.
    const vaddr = ph.vaddr;
    const paddr = BigInt(ph.paddr);
    if (
      vaddr !== paddr &&
      (ph.flags & PF_X) !== 0 &&
      elf.entry >= vaddr &&
      elf.entry < vaddr + BigInt(ph.filesz)
    ) {
      entry = Number(elf.entry - vaddr + paddr);
    }
  }
  if (segments.length === 0) throw new KernelFormatError('ELF has no loadable segments');
  // With the C extension instructions are 2-byte aligned; an odd entry would reach sepc as is.
  if (entry % 2 !== 0) throw new KernelFormatError(`ELF entry point ${hex(entry)} is not 2-byte aligned`);
  return { format: 'elf', entry, segments, end, symbols: elf.symbols, elf };
}

function checkFits(start: number, end: number, ram: { base: number; size: number }, what: string): void {
  const ramEnd = ram.base + ram.size;
  if (start < ram.base || start >= ramEnd) {
    throw new KernelFormatError(
      `${what} at ${hex(start)} is outside RAM (${hex(ram.base)}-${hex(ramEnd - 1)})`,
    );
  }
  if (end > ramEnd) {
    throw new KernelFormatError(
      `kernel does not fit in memory: ${what} ends at ${hex(end)}, RAM (${mib(ram.size)}) ends at ${hex(ramEnd)}`,
    );
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function mib(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
