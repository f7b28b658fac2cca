/**
 * Host physical memory: one contiguous RAM region of the hart's physical address space,
 * backed by an ArrayBuffer, a SharedArrayBuffer (vCPUs on threads) or the start of a
 * WebAssembly.Memory whose reserve after RAM holds per-hart areas (hart-area.ts). The hart
 * reads it through typed views at host offsets (HPA - base); everything outside it is MMIO
 * (bare machine) or a fault.
 *
 * The buffer may be larger than RAM (the hart areas): `bytes` and `view` cover exactly
 * [0, size), and everything that reads or writes RAM goes through them.
 */
import { Hpa, PAGE_SIZE } from './address';
import { HartArea, HART_AREA_BYTES, InterpreterArea, areasAt, interpreterAreaBytes, wasmPagesFor } from './hart-area';
import { CodeSharing, REMOTE_CODE } from './code-sharing';

/** The `codePages` bits of code cached on this thread (hart/predecode.ts CodeBit.BLOCKS and PREDECODED). */
const LOCAL_CODE = 1 | 2;

/** The RAM of a physical address space. */
export class PhysMemory {
  /** Byte view of all of RAM: exactly [0, size) of the buffer. */
  readonly bytes: Uint8Array;
  /** DataView over the same bytes, for little-endian loads and stores at any alignment. */
  readonly view: DataView;
  /**
   * The WebAssembly.Memory holding RAM at byte 0 and the hart areas after it, or null: RAM is
   * an ArrayBuffer or SharedArrayBuffer of its own and harts keep plain arrays.
   */
  readonly wasm: WebAssembly.Memory | null;
  /** Hart areas in the reserve after RAM (0 without `wasm`). */
  readonly hartAreas: number;
  /**
   * This thread's interpreter area (hart-area.ts), or null: no WebAssembly.Memory, or one
   * shared by threads whose thread took none ({@link claimInterpreterArea}). The predecode
   * cache and the block cache keep their tables there, where the interpreter's WebAssembly
   * fast path reads them.
   */
  get interpreterArea(): InterpreterArea | null {
    return this.ownArea;
  }
  private ownArea: InterpreterArea | null = null;
  /** Interpreter areas at the end of `wasm`: one a thread (hart-area.ts). */
  readonly interpreterAreas: number;
  /** Areas handed out by this object (each thread builds its own over a shared memory). */
  private readonly claimed = new Set<number>();
  /**
   * Whether this object made `wasm`: its areas are then still zero when first handed out here
   * (another thread's view takes the indices after the VM's own, vcpu-worker.ts).
   */
  private readonly madeWasm: boolean;
  /**
   * Pages holding translated or predecoded code (by host page index, nonzero = code, one bit
   * per cache: hart/predecode.ts `CodeBit`): writes to them must be reported with `noteWrite`
   * so the cached code is dropped.
   */
  readonly codePages: Uint8Array;
  /** Told of a write to a code page, each in turn (the hart's block cache and predecode cache). */
  readonly codeWriteListeners: ((page: number) => void)[] = [];
  /**
   * With vCPU threads: this thread's side of the VM's code sharing (code-sharing.ts), through
   * which other threads learn of writes to pages whose code they cache; null on one thread.
   */
  codeSharing: CodeSharing | null = null;
  /** Drops one hart's write-TLB entries for a host page, saying whether it had one (every hart over this memory). */
  readonly writeDroppers: ((pageOff: number) => boolean)[] = [];

  /**
   * @param base host physical address of the first byte (page aligned)
   * @param size size in bytes (multiple of the page size)
   * @param shared back the RAM with a SharedArrayBuffer (vCPUs on other threads), or this
   *   existing SharedArrayBuffer or WebAssembly.Memory (a thread's view of a VM's RAM)
   * @param hartAreas with a new buffer: hart areas to reserve after RAM in a WebAssembly.Memory
   *   (shared when `shared` is true); 0, no WebAssembly, or RAM plus reserve past 4 GiB keep
   *   RAM in an ArrayBuffer or SharedArrayBuffer of its own
   * @param interpreterAreas interpreter areas at the end of that memory (or of the given one):
   *   one for each thread that runs harts over it. By default a memory of one thread has one
   *   (taken here when this object makes it) and a shared one none; vCPU threads take theirs
   *   ({@link claimInterpreterArea}).
   */
  constructor(readonly base: number, readonly size: number,
    shared: boolean | SharedArrayBuffer | WebAssembly.Memory = false, hartAreas = 0, interpreterAreas?: number) {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0) {
      throw new Error(`RAM base and size must be page aligned (base 0x${base.toString(16)}, size ${size})`);
    }
    let wasm: WebAssembly.Memory | null = null;
    let buffer: ArrayBufferLike;
    if (typeof shared === 'boolean') {
      wasm = hartAreas > 0 ? newWasmMemory(size, hartAreas, shared, interpreterAreas ?? (shared ? 0 : 1)) : null;
      buffer = wasm ? wasm.buffer : shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    } else if (shared instanceof SharedArrayBuffer) {
      if (shared.byteLength !== size) throw new RangeError(`shared RAM has ${shared.byteLength} bytes, not ${size}`);
      buffer = shared;
    } else {
      wasm = shared;
      buffer = wasm.buffer;
      if (buffer.byteLength < size) throw new RangeError(`the memory has ${buffer.byteLength} bytes, fewer than RAM's ${size}`);
    }
    this.wasm = wasm;
    this.madeWasm = wasm !== null && typeof shared === 'boolean';
    // The memory ends with the interpreter areas (hart-area.ts). A memory of one thread takes
    // its one here; only the object that made it uses it (another view would clear its tables).
    const ownThread = !(buffer instanceof SharedArrayBuffer);
    this.interpreterAreas = wasm !== null ? interpreterAreas ?? (ownThread ? 1 : 0) : 0;
    const interpreterBytes = this.interpreterAreas * interpreterAreaBytes(size);
    this.hartAreas = wasm ? Math.max(0, Math.floor((buffer.byteLength - interpreterBytes - areasAt(size)) / HART_AREA_BYTES)) : 0;
    this.bytes = new Uint8Array(buffer, 0, size);
    this.view = new DataView(buffer, 0, size);
    this.codePages = new Uint8Array(size / PAGE_SIZE);
    if (this.madeWasm && ownThread) this.claimInterpreterArea(0);
  }

  /**
   * The SharedArrayBuffer behind RAM, or null when it is private to this thread. RAM is its
   * first `size` bytes (a WebAssembly.Memory's buffer goes on with the hart areas).
   */
  get sharedBuffer(): SharedArrayBuffer | null {
    return this.bytes.buffer instanceof SharedArrayBuffer ? this.bytes.buffer : null;
  }

  /**
   * Hands out hart area `index` (hart-area.ts), zeroed as its arrays are taken, or null: no
   * WebAssembly.Memory, no such area, or this object handed it out already. Areas go by vCPU
   * index (the VM's thread and the vCPU threads each use their own range of indices), so
   * every hart with that index, on any later thread, reuses the same bytes.
   */
  claimHartArea(index: number): HartArea | null {
    if (this.wasm === null || !(index >= 0 && index < this.hartAreas) || this.claimed.has(index)) return null;
    this.claimed.add(index);
    return new HartArea(this.bytes.buffer, index, areasAt(this.size) + index * HART_AREA_BYTES, this.madeWasm);
  }

  /**
   * Takes interpreter area `index` for this thread's harts (vCPU thread `index` over a shared
   * memory), before the first hart: its predecode and block caches then keep their tables
   * there. Returns false, and this thread keeps the JavaScript interpreter alone, when the
   * memory has no such area or this object has one already.
   */
  claimInterpreterArea(index: number): boolean {
    if (this.wasm === null || this.ownArea !== null || !(index >= 0 && index < this.interpreterAreas)) return false;
    const bytes = interpreterAreaBytes(this.size), buffer = this.bytes.buffer;
    this.ownArea = new InterpreterArea(buffer, buffer.byteLength - (index + 1) * bytes, this.size);
    return true;
  }

  /**
   * Reports a write to [off, off + length) (host offsets) by anything but a hart's store
   * fast path: host software, device DMA, page-table updates. Translated code there goes.
   */
  noteWrite(off: number, length: number): void {
    const shared = this.codeSharing;
    if ((this.codeWriteListeners.length === 0 && shared === null) || length <= 0) return;
    const last = Math.floor((off + length - 1) / PAGE_SIZE);
    for (let p = Math.floor(off / PAGE_SIZE); p <= last; p++) {
      shared?.written(p);
      if ((this.codePages[p] & LOCAL_CODE) !== 0) this.dropCode(p);
    }
  }

  /**
   * Marks host page `page` as holding code cached as `bit` (hart/predecode.ts CodeBit: the
   * predecode cache's or the block cache's). On its first mark every hart over this memory
   * drops its write-TLB entries for the page, so each store there takes the slow path and is
   * reported (noteWrite).
   */
  markCode(page: number, bit: number): void {
    const before = this.codePages[page];
    if ((before & bit) !== 0) return;
    this.codePages[page] = before | bit;
    if (before === 0) this.dropWrites(page * PAGE_SIZE);
  }

  /** Drops the cached code of host page `page` (a write, or another thread's write seen at a fence). */
  private dropCode(page: number): void {
    for (const f of this.codeWriteListeners) f(page);
    if ((this.codePages[page] & LOCAL_CODE) === 0) this.codeSharing?.release(page);
  }

  /**
   * Whether a hart's write TLB may map host page `page`: not while another thread caches
   * code there (code-sharing.ts), so that every store to it is reported.
   */
  writeMappable(page: number): boolean {
    const c = this.codePages[page];
    if ((c & REMOTE_CODE) === 0) return true;
    if (this.codeSharing !== null && this.codeSharing.ownedElsewhere(page)) return false;
    this.codePages[page] = c & ~REMOTE_CODE;
    return true;
  }

  /**
   * Before code of host page `page` is read to be cached: other threads' writes there are
   * reported to this one from now on (vCPU threads; nothing on one thread).
   */
  claimCode(page: number): void {
    this.codeSharing?.claim(page);
  }

  /**
   * On a vCPU thread: does what other threads' claims asked of this one's harts
   * (code-sharing.ts). Between slices, and before any write-TLB entry is lost (a flush, a
   * fill over another entry): a store through it after a claim is seen only then.
   */
  processCodeDrops(): void {
    if (this.codeSharing !== null) this.codeSharing.processDrops(this.dropWrites, this.markRemote);
  }

  private readonly dropWrites = (pageOff: number): boolean => {
    let had = false;
    for (const d of this.writeDroppers) if (d(pageOff)) had = true;
    return had;
  };

  private readonly markRemote = (page: number): void => {
    this.codePages[page] |= REMOTE_CODE;
  };

  /**
   * A fence on a vCPU thread (FENCE.I, a remote fence_i): drops the cached code of every
   * page another thread may have written since the last one. False without code sharing
   * (or on the VM's own thread): the caller must drop all of it.
   */
  syncCode(): boolean {
    const shared = this.codeSharing;
    // The VM's own thread owns no code in the marks (it steps harts only while the threads are parked).
    if (shared === null || shared.thread < 0) return false;
    this.processCodeDrops();
    // Every listener, bits or not: a region found on the page may wait for its batch.
    shared.sync((page) => this.dropCode(page));
    return true;
  }

  /** True when [addr, addr + length) lies entirely in RAM. */
  contains(addr: number, length = 1): boolean {
    return addr >= this.base && addr + length <= this.base + this.size;
  }

  /** Host offset of a physical address that lies in RAM. */
  offsetOf(addr: Hpa | number): number {
    return addr - this.base;
  }

  /** Copies bytes into RAM at a physical address; throws when they do not fit. */
  write(addr: number, data: Uint8Array): void {
    if (!this.contains(addr, data.length)) {
      throw new RangeError(`0x${addr.toString(16)}+${data.length} is outside RAM`);
    }
    this.bytes.set(data, addr - this.base);
    this.noteWrite(addr - this.base, data.length);
  }

  /** Copies bytes out of RAM; throws when the range is outside. */
  read(addr: number, length: number): Uint8Array {
    if (!this.contains(addr, length)) {
      throw new RangeError(`0x${addr.toString(16)}+${length} is outside RAM`);
    }
    return this.bytes.slice(addr - this.base, addr - this.base + length);
  }
}

/**
 * A WebAssembly.Memory for `size` bytes of RAM and `areas` hart areas, or null when there is
 * no WebAssembly, it would pass 4 GiB, or the host refuses it (address space).
 */
function newWasmMemory(size: number, areas: number, shared: boolean, interpreterAreas: number): WebAssembly.Memory | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Memory !== 'function') return null;
  const pages = wasmPagesFor(size, areas, interpreterAreas);
  if (pages === 0) return null;
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  } catch {
    return null;
  }
}
