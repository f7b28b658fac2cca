/**
 * Disk images are locked as QEMU locks them: a VM writing an image excludes every other VM,
 * read-only VMs share it. In one process (several VMs) and across processes (entry files in
 * a runtime directory, stale ones of dead processes ignored).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockImageError, FileBackend } from '../../../../hypervisor-core/devices/virtio/block/backend';
import { ImageLockedError, lockDirectory, lockImage } from '../../../../hypervisor-core/devices/virtio/block/image-lock';

describe('disk image locking (QEMU rules)', () => {
  let dir: string;
  let img: string;
  let opened: FileBackend[] = [];
  const open = (path: string, readOnly = false) => {
    const b = new FileBackend(path, readOnly);
    opened.push(b);
    return b;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-lock-'));
    img = join(dir, 'x.img');
    writeFileSync(img, new Uint8Array(4096));
  });
  afterEach(() => {
    for (const b of opened) b.close();
    opened = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('two VMs in one process: a writer excludes a second writer and a reader, until it closes', () => {
    const first = open(img);
    assert.throws(() => open(img), (e: Error) => e instanceof BlockImageError &&
      e.message === `disk ${img}: in use by another VM (pid ${process.pid}) for writing (Failed to get "write" lock)`);
    assert.throws(() => open(img, true), /in use by another VM \(pid \d+\) for writing \(Failed to get shared "write" lock\)/);
    first.close();
    open(img);
  });

  it('readers share an image; a writer is refused while they hold it', () => {
    open(img, true);
    open(img, true);
    assert.throws(() => open(img), /in use by another VM \(pid \d+\) read-only \(Failed to get "write" lock\)/);
  });

  it('the same file under another name is the same image (device and inode)', () => {
    const link = join(dir, 'link.img');
    linkSync(img, link);
    open(img);
    assert.throws(() => open(link), /in use by another VM/);
  });

  it('creates nothing next to the image', () => {
    open(img);
    assert.deepEqual(readdirSync(dir), ['x.img']);
  });

  it('sees holders in other processes through their entry files; entries of dead processes are stale', () => {
    const locks = join(dir, 'locks');
    mkdirSync(locks);
    const st = statSync(img);
    const key = `${st.dev}-${st.ino}`;
    // A live process (our parent) holding the image for writing.
    writeFileSync(join(locks, `${key}.${process.ppid}.0.write`), '');
    assert.throws(() => lockImage('x.img', st, 'read', locks), (e: Error) => e instanceof ImageLockedError &&
      e.message === `disk x.img: in use by another VM (pid ${process.ppid}) for writing (Failed to get shared "write" lock)`);
    assert.deepEqual(readdirSync(locks), [`${key}.${process.ppid}.0.write`], 'the refused open left no entry behind');
    rmSync(join(locks, `${key}.${process.ppid}.0.write`));
    // A process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = join(locks, `${key}.${dead}.0.write`);
    writeFileSync(stale, '');
    const lock = lockImage('x.img', st, 'write', locks);
    assert.equal(existsSync(stale), false, 'the stale entry was removed');
    assert.equal(readdirSync(locks).length, 1, 'our own entry');
    lock.release();
    assert.deepEqual(readdirSync(locks), []);
  });

  it('keeps entries in $XDG_RUNTIME_DIR/hyperscope-locks, else in the temporary directory', () => {
    assert.equal(lockDirectory({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/hyperscope-locks');
    assert.equal(lockDirectory({}), join(tmpdir(), 'hyperscope-locks'));
  });
});
