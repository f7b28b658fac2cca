/**
 * The Linux RISC-V `Image` header (Documentation/riscv/boot-image-header.rst), all fields
 * little-endian:
 *
 *   0x00 u32 code0          0x04 u32 code1
 *   0x08 u64 text_offset    image load offset from the start of RAM (0x200000 on RV64)
 *   0x10 u64 image_size     effective size, bss included
 *   0x18 u64 flags          bit 0: endianness (0 = LE)
 *   0x20 u32 version        0x02 = v0.2
 *   0x24 u32 res1           0x28 u64 res2
 *   0x30 u64 magic          "RISCV\0\0\0" (deprecated since v0.2, still written)
 *   0x38 u32 magic2         "RSC\x05"
 *   0x3c u32 res3           PE/COFF header offset
 */

/** Size of the header. */
export const IMAGE_HEADER_SIZE = 64;

/** Fields of an Image header. */
export interface ImageHeader {
  /** Load offset from the start of RAM. */
  textOffset: number;
  /** Effective image size in memory (0 in very old images: use the file size). */
  imageSize: number;
  /** Header flags. */
  flags: number;
  /** Header version (major << 16 | minor). */
  version: number;
}

const MAGIC = [0x52, 0x49, 0x53, 0x43, 0x56, 0, 0, 0]; // "RISCV\0\0\0"
const MAGIC2 = [0x52, 0x53, 0x43, 0x05]; // "RSC\x05"

function matches(bytes: Uint8Array, at: number, magic: number[]): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

/** Returns the header if `bytes` carries the RISC-V Image magic, otherwise undefined. */
export function parseImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length < IMAGE_HEADER_SIZE) return undefined;
  if (!matches(bytes, 0x30, MAGIC) && !matches(bytes, 0x38, MAGIC2)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (o: number): number => view.getUint32(o + 4, true) * 0x100000000 + view.getUint32(o, true);
  return {
    textOffset: u64(0x08),
    imageSize: u64(0x10),
    flags: u64(0x18),
    version: view.getUint32(0x20, true),
  };
}
