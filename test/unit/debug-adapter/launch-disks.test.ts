/**
 * The `disks` launch attribute (debug-adapter/launch-disks.ts): file disks, snapshot disks that
 * never write the image, and one-line errors that close what was opened before.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDisks } from '../../../debug-adapter/launch-disks';

describe('debug adapter: launch disks', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperscope-disks-'));
    writeFileSync(join(dir, 'a.img'), Buffer.alloc(1024, 1));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fail = (m: string) => new Error(m);

  it('opens file disks that write through and snapshot disks that keep writes in memory', () => {
    const [file, snap] = openDisks([{ path: 'a.img' }, { path: 'a.img', snapshot: true }], dir, fail);
    snap.write(new Uint8Array(512).fill(7), 0);
    assert.equal(readFileSync(join(dir, 'a.img'))[0], 1, 'a snapshot never writes the image');
    const back = new Uint8Array(512);
    snap.read(back, 0);
    assert.equal(back[0], 7, 'the guest reads its own writes');
    file.write(new Uint8Array(512).fill(9), 512);
    assert.equal(readFileSync(join(dir, 'a.img'))[512], 9);
    assert.equal(file.readOnly, false);
    file.close();
    snap.close();
  });

  it('gives one line for a bad entry or image', () => {
    assert.throws(() => openDisks('a.img', dir, fail), /^Error: disks must be a list of \{ "path": \.\.\. \}, not "a\.img"$/);
    assert.throws(() => openDisks([{}], dir, fail), /each disk needs a "path", not \{\}/);
    assert.throws(() => openDisks([{ path: 'a.img' }, { path: 'nope.img' }], dir, fail), /cannot open disk image '.*nope\.img': no such file/);
    assert.throws(() => openDisks([{ path: 'nope.img', snapshot: true }], dir, fail), /cannot open disk image '.*nope\.img': no such file/);
    assert.deepEqual(openDisks(undefined, dir, fail), []);
  });
});
