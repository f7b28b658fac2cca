import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockImageError, FileBackend, MemoryBackend } from '../../../../hypervisor-core/devices/virtio/block/backend';
import { VirtioBlock } from '../../../../hypervisor-core/devices/virtio/block/device';
import { VirtioBlkStatus as St, VirtioBlkType as T } from '../../../../hypervisor-core/devices/virtio/block/request';
import { VirtioMmioReg as R, VirtioStatus as S } from '../../../../hypervisor-core/devices/virtio/transport/mmio';
import { FakeDriver } from './fake-driver';

/** A request header. */
function header(type: number, sector: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(16));
  v.setUint32(0, type, true);
  v.setUint32(8, sector % 2 ** 32, true);
  v.setUint32(12, Math.floor(sector / 2 ** 32), true);
  return new Uint8Array(v.buffer);
}

/** Issues one request; returns the status byte, the data buffer address and the used length. */
function request(d: FakeDriver, type: number, sector: number, opts: { out?: Uint8Array; inLen?: number; indirect?: boolean } = {}) {
  const hdr = d.alloc(16, header(type, sector));
  const status = d.alloc(1, Uint8Array.of(0xff));
  const bufs = [{ addr: hdr, len: 16 }];
  let data = 0;
  if (opts.out) {
    data = d.alloc(opts.out.length, opts.out);
    bufs.push({ addr: data, len: opts.out.length });
  }
  if (opts.inLen) {
    data = d.alloc(opts.inLen);
    bufs.push({ addr: data, len: opts.inLen, write: true } as never);
  }
  bufs.push({ addr: status, len: 1, write: true } as never);
  d.addChain(0, bufs, { indirect: opts.indirect });
  const used = d.takeUsed(0);
  assert.equal(used.length, 1);
  return { status: d.bytes(status, 1)[0], data, len: used[0].len };
}

describe('virtio block', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-blk-'));
  });
  /** Backends opened by a test, closed after it (closing releases the image lock). */
  let opened: FileBackend[] = [];
  afterEach(() => {
    for (const b of opened) b.close();
    opened = [];
    rmSync(dir, { recursive: true, force: true });
  });

  function file(path: string, readOnly = false): FileBackend {
    const b = new FileBackend(path, readOnly);
    opened.push(b);
    return b;
  }

  function image(sectors: number, name = 'disk.img'): string {
    const p = join(dir, name);
    const b = Buffer.alloc(sectors * 512);
    for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 9)) & 0xff;
    writeFileSync(p, b);
    return p;
  }

  function blockDriver(backend: FileBackend | MemoryBackend): FakeDriver {
    const d = new FakeDriver(new VirtioBlock(backend));
    d.start(1, 16);
    return d;
  }

  it('reports capacity in sectors, SEG_MAX and FLUSH', () => {
    const d = new FakeDriver(new VirtioBlock(file(image(8))));
    assert.equal(d.transport.read(R.CONFIG, 4), 8);
    assert.equal(d.transport.read(R.CONFIG + 4, 4), 0);
    assert.equal(d.transport.read(R.CONFIG + 12, 4), 254);
    assert.equal(d.r(R.DEVICE_ID), 2);
    const [lo] = d.deviceFeatures();
    assert.equal(lo & ((1 << 9) | (1 << 2) | (1 << 5)), (1 << 9) | (1 << 2));
  });

  it('reads sectors from the file', () => {
    const p = image(8);
    const d = blockDriver(file(p));
    const r = request(d, T.IN, 2, { inLen: 1024 });
    assert.equal(r.status, St.OK);
    assert.equal(r.len, 1025);
    assert.deepEqual(Buffer.from(d.bytes(r.data, 1024)), readFileSync(p).subarray(1024, 2048));
  });

  it('writes sectors through to the file, in order, and flushes', () => {
    const p = image(8);
    const d = blockDriver(file(p));
    const a = new Uint8Array(512).fill(0x11);
    const b = new Uint8Array(1024).fill(0x22);
    assert.equal(request(d, T.OUT, 3, { out: a }).status, St.OK);
    assert.equal(request(d, T.OUT, 3, { out: b, indirect: true }).status, St.OK);
    const f = readFileSync(p);
    assert.ok(f.subarray(1536, 2560).every((x) => x === 0x22), 'the later write wins');
    const fl = request(d, T.FLUSH, 0);
    assert.equal(fl.status, St.OK);
    assert.equal(fl.len, 1);
    const back = request(d, T.IN, 3, { inLen: 512 });
    assert.ok(d.bytes(back.data, 512).every((x) => x === 0x22));
  });

  it('splits data across descriptors however the driver frames it', () => {
    const mem = new MemoryBackend(new Uint8Array(4096));
    const d = blockDriver(mem);
    // header and the first half of the data in one buffer, the rest in another
    const payload = new Uint8Array(512).map((_, i) => i & 0xff);
    const first = new Uint8Array(16 + 200);
    first.set(header(T.OUT, 1));
    first.set(payload.subarray(0, 200), 16);
    const status = d.alloc(1);
    d.addChain(0, [
      { addr: d.alloc(first.length, first), len: first.length },
      { addr: d.alloc(312, payload.subarray(200)), len: 312 },
      { addr: status, len: 1, write: true },
    ]);
    assert.equal(d.bytes(status, 1)[0], St.OK);
    assert.deepEqual(mem.bytes.subarray(512, 1024), payload);
  });

  it('answers GET_ID with the image name', () => {
    const d = blockDriver(file(image(1, 'rootfs.ext2')));
    const r = request(d, T.GET_ID, 0, { inLen: 20 });
    assert.equal(r.status, St.OK);
    assert.equal(Buffer.from(d.bytes(r.data, 11)).toString(), 'rootfs.ext2');
    assert.equal(d.bytes(r.data + 11, 1)[0], 0);
    assert.equal(r.len, 21);
  });

  it('answers IOERR past the end or for partial sectors, UNSUPP for unknown types', () => {
    const d = blockDriver(new MemoryBackend(new Uint8Array(4096)));
    assert.equal(request(d, T.IN, 8, { inLen: 512 }).status, St.IOERR);
    assert.equal(request(d, T.IN, 7, { inLen: 1024 }).status, St.IOERR);
    assert.equal(request(d, T.IN, 2 ** 60, { inLen: 512 }).status, St.IOERR);
    assert.equal(request(d, T.OUT, 0, { out: new Uint8Array(100) }).status, St.IOERR);
    assert.equal(request(d, 11, 0, { inLen: 0 }).status, St.UNSUPP);
    assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, 0);
  });

  it('answers IOERR when the host I/O fails, and keeps working', () => {
    const backend = new MemoryBackend(new Uint8Array(4096));
    const d = blockDriver(backend);
    backend.read = () => {
      throw new Error('EIO');
    };
    assert.equal(request(d, T.IN, 0, { inLen: 512 }).status, St.IOERR);
    assert.equal(request(d, T.OUT, 0, { out: new Uint8Array(512) }).status, St.OK);
    assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, 0);
  });

  it('refuses writes to a read-only disk with IOERR and offers VIRTIO_BLK_F_RO', () => {
    const p = image(4);
    const before = readFileSync(p);
    const d = new FakeDriver(new VirtioBlock(file(p, true)));
    assert.equal(d.deviceFeatures()[0] & (1 << 5), 1 << 5);
    d.start(1, 16);
    assert.equal(request(d, T.OUT, 0, { out: new Uint8Array(512) }).status, St.IOERR);
    assert.equal(request(d, T.IN, 0, { inLen: 512 }).status, St.OK);
    assert.deepEqual(readFileSync(p), before);
  });

  it('a request without a header or status byte is malformed: NEEDS_RESET', () => {
    const d = blockDriver(new MemoryBackend(new Uint8Array(4096)));
    d.addChain(0, [{ addr: d.alloc(8), len: 8 }, { addr: d.alloc(1), len: 1, write: true }]);
    assert.equal(d.r(R.STATUS) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET);
    assert.match(d.transport.lastError!, /header is 8 bytes/);
    const d2 = blockDriver(new MemoryBackend(new Uint8Array(4096)));
    d2.addChain(0, [{ addr: d2.alloc(16, header(T.IN, 0)), len: 16 }]);
    assert.match(d2.transport.lastError!, /no device-writable status byte/);
  });

  it('refuses images that are not whole sectors, or missing, with one-line errors', () => {
    const p = join(dir, 'odd.img');
    writeFileSync(p, Buffer.alloc(1000));
    assert.throws(() => new FileBackend(p), (e: Error) => e instanceof BlockImageError && e.message === `disk image '${p}' is 1000 bytes, not a multiple of 512`);
    assert.throws(() => new FileBackend(join(dir, 'none.img')), /cannot open disk image '.*none.img': no such file/);
    assert.throws(() => new FileBackend(dir), BlockImageError);
  });
});
