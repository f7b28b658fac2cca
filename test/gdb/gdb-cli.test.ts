/** `hyperscope run --gdb`: port validation in one line with status 2, as the other options. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseGdbPort, parseRunArgs, UsageError } from '../../hypervisor-core/cli/args';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'hyperscope.js');

describe('hyperscope run --gdb', function () {
  this.timeout(30_000);

  it('takes a port, or QEMU -gdb\'s tcp::PORT forms', () => {
    assert.equal(parseGdbPort('1234'), 1234);
    assert.equal(parseGdbPort('tcp::1234'), 1234);
    assert.equal(parseGdbPort('tcp:127.0.0.1:1234'), 1234);
    assert.equal(parseGdbPort('tcp:localhost:65535'), 65535);
    assert.equal(parseGdbPort('0'), 0, 'a free port');
    assert.equal(parseRunArgs(['k.elf', '--gdb', '1234']).gdb, 1234);
    assert.equal(parseRunArgs(['k.elf', '--gdb=tcp::1234']).gdb, 1234);
  });

  for (const bad of ['65536', 'abc', '-1', 'tcp:0.0.0.0:1234', 'udp::1234', '', '12.5']) {
    it(`refuses '${bad}' in one line`, () => {
      assert.throws(() => parseGdbPort(bad), (e: Error) => e instanceof UsageError && /--gdb must be a TCP port from 1 to 65535/.test(e.message));
    });
  }

  it('refuses --gdb with --bare', () => {
    assert.throws(() => parseRunArgs(['k.elf', '--bare', '--gdb', '1234']), /--gdb debugs a guest of the hypervisor/);
  });

  it('says in one line, with status 2, that the port is in use', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [CLI, 'run', 'samples/hello/hello.elf', '--gdb', String(port)], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim(), `hyperscope: --gdb ${port}: cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      busy.close();
    }
  });

  it('a missing --gdb value is one line with status 2', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', 'samples/hello/hello.elf', '--gdb'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), 'hyperscope: --gdb needs a value');
  });
});
