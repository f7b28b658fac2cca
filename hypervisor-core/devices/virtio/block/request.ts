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
 * are answered with IOERR, unknown types with UNSUPP. A request's data moves in bounded
 * steps (BlockJob.run), however large the chain.
 */
import type { GuestMemory } from '../guest-memory';
import { forEachPiece, readStream, writeStream, type DescriptorChain } from '../queue/chain';
import { VirtqueueError, type SplitQueue } from '../queue/split-queue';
import { num, obj, type Saved } from '../../../state/persist';
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

/**
 * One request in flight. Data moves a bounded amount per `run` call, so a request of any
 * size (a chain may describe gigabytes) never holds the host for long: the device continues
 * it at its next service call, as a real device works through a large DMA.
 */
export class BlockJob {
  /** Status so far (IOERR or UNSUPP decided at the start or on a host I/O error). */
  status: number = VirtioBlkStatus.OK;
  private readonly type: number;
  /** Byte offset on the disk of the data. */
  private readonly offset: number;
  /** Data bytes to move (0 for FLUSH, GET_ID and refused requests). */
  private readonly length: number;
  private moved = 0;
  private written = 0;
  private finished = false;

  /** Reads and checks the header; throws VirtqueueError if the request is malformed. */
  constructor(private readonly mem: GuestMemory, private readonly chain: DescriptorChain, private readonly disk: BlockBackend) {
    if (chain.readableBytes < BLK_HEADER_SIZE) {
      throw new VirtqueueError(`block request header is ${chain.readableBytes} bytes, less than ${BLK_HEADER_SIZE}`);
    }
    if (chain.writableBytes < 1) throw new VirtqueueError('block request has no device-writable status byte');
    const h = readStream(mem, chain.readable, 0, BLK_HEADER_SIZE);
    const v = new DataView(h.buffer);
    this.type = v.getUint32(0, true);
    const sector = v.getUint32(8, true) + v.getUint32(12, true) * TWO32;
    this.offset = sector * SECTOR_SIZE;
    const inLen = chain.writableBytes - 1;
    const outLen = chain.readableBytes - BLK_HEADER_SIZE;
    let length = 0;
    switch (this.type) {
      case VirtioBlkType.IN:
        if (inRange(disk, sector, inLen)) length = inLen;
        else this.status = VirtioBlkStatus.IOERR;
        break;
      case VirtioBlkType.OUT:
        if (!disk.readOnly && inRange(disk, sector, outLen)) length = outLen;
        else this.status = VirtioBlkStatus.IOERR;
        break;
      case VirtioBlkType.FLUSH: case VirtioBlkType.GET_ID:
        break;
      default:
        this.status = VirtioBlkStatus.UNSUPP;
    }
    this.length = length;
  }

  /** The chain's head descriptor (what goes back in the used ring). */
  get head(): number {
    return this.chain.head;
  }

  /** Whether the request is complete (call `finish`). */
  get done(): boolean {
    return this.finished;
  }

  /** Moves up to `budget` bytes of data (at least one piece); returns the bytes moved. */
  run(budget: number): number {
    if (this.finished) return 0;
    const n = Math.min(Math.max(budget, 1), this.length - this.moved);
    try {
      if (this.status === VirtioBlkStatus.OK) {
        if (this.type === VirtioBlkType.IN) this.written += readSectors(this.mem, this.chain, this.disk, this.offset, this.moved, n);
        else if (this.type === VirtioBlkType.OUT) writeSectors(this.mem, this.chain, this.disk, this.offset, this.moved, n);
        else if (this.type === VirtioBlkType.FLUSH) this.disk.flush();
        else if (this.type === VirtioBlkType.GET_ID) this.written += this.writeId();
      }
    } catch {
      this.status = VirtioBlkStatus.IOERR; // host I/O error: the guest sees a failed request
      this.finished = true;
      return n;
    }
    this.moved += n;
    if (this.moved >= this.length) this.finished = true;
    return n;
  }

  /** The request's progress for a snapshot (its chain is re-walked from the head on restore). */
  save(): Saved {
    return { head: this.chain.head, status: this.status, moved: this.moved, written: this.written, finished: this.finished };
  }

  /** Rebuilds a request `save` described, from its chain in `queue`. */
  static restore(mem: GuestMemory, queue: SplitQueue, disk: BlockBackend, state: Saved): BlockJob {
    const s = obj(state, 'block request');
    const job = new BlockJob(mem, queue.chainAt(num(s.head, 'head')), disk);
    job.status = num(s.status, 'status');
    job.moved = num(s.moved, 'moved');
    job.written = num(s.written, 'written');
    job.finished = s.finished === true;
    return job;
  }

  /** Writes the status byte; returns the used length (bytes written into the chain). */
  finish(): number {
    writeStream(this.mem, this.chain.writable, this.chain.writableBytes - 1, Uint8Array.of(this.status));
    return this.written + 1;
  }

  private writeId(): number {
    const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, this.chain.writableBytes - 1));
    id.set(new TextEncoder().encode(this.disk.id).subarray(0, id.length));
    return writeStream(this.mem, this.chain.writable, 0, id);
  }
}

/** Executes the request in `chain` against `disk` at once; throws VirtqueueError if it is malformed. */
export function executeBlockRequest(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend): BlockResult {
  const job = new BlockJob(mem, chain, disk);
  while (!job.done) job.run(Infinity);
  const written = job.finish();
  return { status: job.status, written };
}

/** Whole sectors, inside the disk. */
function inRange(disk: BlockBackend, sector: number, len: number): boolean {
  return len % SECTOR_SIZE === 0 && sector * SECTOR_SIZE + len <= disk.size;
}

/** Disk -> writable stream [from, from + len), piece by piece; returns bytes written. */
function readSectors(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend, offset: number, from: number, len: number): number {
  let written = 0;
  forEachPiece(chain.writable, from, len, (gpa, n, at) => {
    const buf = new Uint8Array(n);
    disk.read(buf, offset + at);
    mem.write(gpa, buf);
    written += n;
  });
  return written;
}

/** Readable stream [16 + from, 16 + from + len) -> disk, in order. */
function writeSectors(mem: GuestMemory, chain: DescriptorChain, disk: BlockBackend, offset: number, from: number, len: number): void {
  forEachPiece(chain.readable, BLK_HEADER_SIZE + from, len, (gpa, n, at) => {
    const buf = mem.read(gpa, n);
    if (buf) disk.write(buf, offset + at - BLK_HEADER_SIZE);
  });
}
