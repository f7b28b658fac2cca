/**
 * One virtio block request (virtio 1.2 section 5.2.6): a device-readable header, data, and a
 * device-writable status byte at the very end.
 *
 *   struct virtio_blk_req {
 *     le32 type;        +0   IN 0, OUT 1, FLUSH 4, GET_ID 8, (DISCARD 11, WRITE_ZEROES 13...)
 *     le32 reserved;    +4
 *     le64 sector;      +8   in 512-byte sectors
 *     u8   data[];          OUT: device-readable after the header; IN / GET_ID: device-writable
 *     u8   status;          last device-writable byte: OK 0, IOERR 1, UNSUPP 2
 *   };
 *
 * The framing is not assumed (section 2.6.4): the readable side is one stream (header, then
 * OUT data) and the writable side another (IN data, then the status byte). A request too short
 * to hold a header or a status byte is malformed (VirtqueueError -> DEVICE_NEEDS_RESET, as
 * QEMU's virtio_error). Out-of-range sectors, writes to a read-only disk and host I/O errors
 * are answered with IOERR, unknown types with UNSUPP.
 */
import type { GuestMemory } from '../guest-memory';
import { forEachPiece, readStream, writeStream, type DescriptorChain } from '../queue/chain';
import { VirtqueueError } from '../queue/split-queue';
import { SECTOR_SIZE, type BlockBackend } from './backend';

/** Request types. */
export const VirtioBlkType = { IN: 0, OUT: 1, FLUSH: 4, GET_ID: 8 } as const;
/** Status values. */
export const VirtioBlkStatus = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;

/** Length of the request header. */
export const BLK_HEADER_SIZE = 16;
/** Length of the GET_ID answer. */
export const VIRTIO_BLK_ID_BYTES = 20;

const TWO32 = 4294967296;

/** The outcome of a request. */
export interface BlockResult {
  /** Status byte written. */
  status: number;
  /** Bytes written into the chain's writable buffers (the used-ring length). */
  written: number;
}

/** Executes the request in `chain` against `disk`; throws VirtqueueError if it is malformed. */
export function executeBlockRequest(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend): BlockResult {
  if (chain.readableBytes < BLK_HEADER_SIZE) {
    throw new VirtqueueError(`block request header is ${chain.readableBytes} bytes, less than ${BLK_HEADER_SIZE}`);
  }
  if (chain.writableBytes < 1) throw new VirtqueueError('block request has no device-writable status byte');
  const h = readStream(mem, chain.readable, 0, BLK_HEADER_SIZE);
  const v = new DataView(h.buffer);
  const type = v.getUint32(0, true);
  const sector = v.getUint32(8, true) + v.getUint32(12, true) * TWO32;
  const inLen = chain.writableBytes - 1;
  const outLen = chain.readableBytes - BLK_HEADER_SIZE;
  let status: number = VirtioBlkStatus.OK;
  let written = 0;
  try {
    switch (type) {
      case VirtioBlkType.IN:
        if (!inRange(disk, sector, inLen)) status = VirtioBlkStatus.IOERR;
        else written = readSectors(mem, chain, disk, sector * SECTOR_SIZE, inLen);
        break;
      case VirtioBlkType.OUT:
        if (disk.readOnly || !inRange(disk, sector, outLen)) status = VirtioBlkStatus.IOERR;
        else writeSectors(mem, chain, disk, sector * SECTOR_SIZE, outLen);
        break;
      case VirtioBlkType.FLUSH:
        disk.flush();
        break;
      case VirtioBlkType.GET_ID: {
        const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, inLen));
        id.set(new TextEncoder().encode(disk.id).subarray(0, id.length));
        written = writeStream(mem, chain.writable, 0, id);
        break;
      }
      default:
        status = VirtioBlkStatus.UNSUPP;
    }
  } catch {
    status = VirtioBlkStatus.IOERR; // host I/O error: the guest sees a failed request
  }
  writeStream(mem, chain.writable, inLen, Uint8Array.of(status));
  return { status, written: written + 1 };
}

/** Whole sectors, inside the disk. */
function inRange(disk: BlockBackend, sector: number, len: number): boolean {
  return len % SECTOR_SIZE === 0 && sector * SECTOR_SIZE + len <= disk.size;
}

/** Disk -> writable stream [0, len), piece by piece; returns bytes written. */
function readSectors(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend, offset: number, len: number): number {
  let written = 0;
  forEachPiece(chain.writable, 0, len, (gpa, n, at) => {
    const buf = new Uint8Array(n);
    disk.read(buf, offset + at);
    mem.write(gpa, buf);
    written += n;
  });
  return written;
}

/** Readable stream [16, 16 + len) -> disk, in order. */
function writeSectors(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend, offset: number, len: number): void {
  forEachPiece(chain.readable, BLK_HEADER_SIZE, len, (gpa, n, at) => {
    const buf = mem.read(gpa, n);
    if (buf) disk.write(buf, offset + at - BLK_HEADER_SIZE);
  });
}
