import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunArgs, USAGE, UsageError } from '../../../../hypervisor-core/cli/args';
import { runCommand } from '../../../../hypervisor-core/cli/run-command';

describe('virtio command-line options', () => {
  it('parses --disk, --disk-readonly (in order), --virtio-console and --rng', () => {
    const o = parseRunArgs(['k.elf', '--disk', 'a.img', '--disk-readonly=b.img', '--disk', 'c.img', '--virtio-console', '--rng']);
    assert.deepEqual(o.disks, [
      { path: 'a.img', readOnly: false }, { path: 'b.img', readOnly: true }, { path: 'c.img', readOnly: false },
    ]);
    assert.equal(o.virtioConsole, true);
    assert.equal(o.rng, true);
    const none = parseRunArgs(['k.elf']);
    assert.deepEqual([none.disks, none.virtioConsole, none.rng], [[], false, false]);
    assert.throws(() => parseRunArgs(['k.elf', '--disk']), /--disk needs a value/);
    for (const flag of ['--disk FILE', '--disk-readonly FILE', '--virtio-console', '--rng']) assert.ok(USAGE.includes(flag), flag);
  });

  it('refuses a disk image that is not whole sectors with a one-line usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hyperscope-cli-'));
    try {
      const img = join(dir, 'odd.img');
      writeFileSync(img, Buffer.alloc(513));
      const kernel = join(__dirname, '../../../../../samples/hello/hello.elf');
      await assert.rejects(runCommand(parseRunArgs([kernel, '--disk', img])), (e: Error) =>
        e instanceof UsageError && e.message === `disk image '${img}' is 513 bytes, not a multiple of 512` && !e.message.includes('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
