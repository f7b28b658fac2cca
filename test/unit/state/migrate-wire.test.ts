/**
 * The live-migration stream's edges, in one process over real loopback sockets: a destination
 * refuses a source whose disk is not the same file here (shared storage), a foreign or newer
 * handshake, a page outside the VM's memory and frames out of order, each with one line sent
 * back to the source; a writer whose peer stops reading gives up instead of hanging.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listenForMigration } from '../../../hypervisor-core/state/migrate/listen';
import { receiveVm } from '../../../hypervisor-core/state/migrate/receive';
import {
  applyPages, frame, FrameKind, FrameReader, helloPayload, MigrationError, pagesPayload, parseHello, send,
} from '../../../hypervisor-core/state/migrate/wire';

const BOARD = { vcpus: 1, memory: 16 << 20, clock: 'icount', bios: 'default', svadu: true, disks: [] as unknown[], virtioConsole: false, rng: false };

/** A destination receiving on a fresh port, and a raw source socket connected to it. */
async function pair() {
  const listener = await listenForMigration('127.0.0.1:0');
  const accepted = listener.accept();
  const source = await new Promise<Socket>((resolve) => { const s = connect(listener.port, '127.0.0.1', () => resolve(s)); });
  const received = accepted.then((socket) => receiveVm(socket, { console: () => undefined, openDisks: () => [] }));
  received.catch(() => undefined);
  listener.close();
  return { source, received, reader: new FrameReader(source, 10_000) };
}

describe('live migration stream', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'hyperscope-wire-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a disk that is another file than the source\'s (migration needs shared storage), telling the source', async () => {
    const img = path.join(dir, 'disk.img');
    writeFileSync(img, Buffer.alloc(4096));
    const st = statSync(img);
    const { source, received, reader } = await pair();
    const disk = { path: img, readOnly: false, size: st.size, dev: st.dev, ino: st.ino + 1, mtimeMs: st.mtimeMs };
    source.write(frame(FrameKind.HELLO, helloPayload({ board: { ...BOARD, disks: [disk] }, hostSize: 1 })));
    await assert.rejects(reader.expect(FrameKind.ACCEPT, 'the answer'), /'.*disk\.img' here is another file than the source's disk image \(migration needs shared storage\)/);
    await assert.rejects(received, MigrationError);
    source.destroy();
  });

  it('refuses a handshake that is foreign or of another version, and a page outside the memory', async () => {
    assert.throws(() => parseHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), /not a Hyperscope migration/);
    const newer = helloPayload({});
    newer.writeUInt32LE(99, 8);
    assert.throws(() => parseHello(newer), /protocol version 99; this Hyperscope speaks version 1/);
    const memory = new Uint8Array(8 * 4096);
    const src = new Uint8Array(16 * 4096).fill(7);
    assert.equal(applyPages(pagesPayload(src, [0, 7]), memory), 2);
    assert.equal(memory[7 * 4096], 7);
    assert.throws(() => applyPages(pagesPayload(src, [8]), memory), /page 8 is outside the VM's memory/);
  });

  it('a destination answers a stream out of order with one line', async () => {
    const { source, received, reader } = await pair();
    source.write(frame(FrameKind.GO));
    await assert.rejects(reader.next('the answer').then((f) => { throw new MigrationError(f.payload.toString()); }), /out of order \(GO where the handshake belongs\)/);
    await assert.rejects(received, /out of order/);
    source.destroy();
  });

  it('a writer gives up when its peer stops reading', async () => {
    const server = createServer((s) => s.pause()); // accepts, never reads
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const s = await new Promise<Socket>((resolve) => { const c = connect((server.address() as { port: number }).port, '127.0.0.1', () => resolve(c)); });
    const big = Buffer.alloc(8 << 20);
    await assert.rejects((async () => { for (;;) await send(s, big, 200); })(), /the peer read nothing for 0\.2 s/);
    s.destroy();
    server.close();
  });
});
