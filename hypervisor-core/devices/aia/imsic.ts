/**
 * The IMSICs' memory-mapped interrupt files (RISC-V AIA 1.0, 3.5 "Memory region for an
 * interrupt file"), laid out as QEMU's virt board does for the supervisor level with guest
 * files (`-M virt,aia=aplic-imsic,aia-guests=G`, hw/riscv/virt.c VIRT_IMSIC_S): hart h owns
 * 2^guestBits pages starting at page h << guestBits; page 0 of the group is its
 * supervisor-level file, page g (1..G) its guest interrupt file g.
 *
 *   0x000  seteipnum_le   write: an MSI, the identity as a little-endian 32-bit value
 *   0x004  seteipnum_be   write: the same, big-endian
 *   other                 reads zero, writes ignored
 *
 * The files themselves are the harts' (`hart/aia`); this is only their window on the physical
 * address space, where the APLIC's MSIs and the guest's own stores (through the G-stage) land.
 */
import type { MmioDevice } from '../../bus/device';
import type { InterruptFile } from '../../hart/aia/interrupt-file';

/** Bytes of one interrupt file's page. */
export const IMSIC_PAGE = 0x1000;

/** Guest index bits for `guests` guest files per hart (QEMU: the pages per hart are a power of two). */
export function imsicGuestBits(guests: number): number {
  return guests === 0 ? 0 : Math.ceil(Math.log2(guests + 1));
}

/** The supervisor-level interrupt files of every hart, with their guest files. */
export class ImsicPages implements MmioDevice {
  /** @inheritdoc */
  readonly name = 'imsic';
  /** MSIs written into a file (seteipnum writes of an identity in 1..255). */
  msis = 0;

  /**
   * @param files per hart: [supervisor-level file, guest file 1, ..., guest file G]
   * @param guestBits log2 of the pages per hart
   */
  constructor(private readonly files: readonly (readonly InterruptFile[])[], readonly guestBits: number) {}

  /** Size of the window: every hart's group of pages. */
  get size(): number {
    return this.files.length * (IMSIC_PAGE << this.guestBits);
  }

  /** Offset of hart `hart`'s file `file` (0 = supervisor level, g = guest file g). */
  pageOffset(hart: number, file: number): number {
    return ((hart << this.guestBits) + file) * IMSIC_PAGE;
  }

  /** @inheritdoc */
  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0; // seteipnum_le/be are write-only
  }

  /** @inheritdoc */
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const reg = offset % IMSIC_PAGE;
    if (size !== 4 || (reg !== 0 && reg !== 4)) return;
    const page = Math.floor(offset / IMSIC_PAGE);
    const group = this.files[page >>> this.guestBits];
    const file = group?.[page & ((1 << this.guestBits) - 1)];
    if (file === undefined) return; // a page with no file: reads zero, ignores writes
    const id = reg === 0 ? value >>> 0 : (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
    if (file.setPending(id)) this.msis++;
  }
}
