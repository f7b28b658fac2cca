/**
 * The balloon through the debugger: the launch attributes `balloon` and `balloonTarget`, the
 * Debug Console's `balloon [SIZE]` command and the balloon in the debugger's statistics report.
 * hello has no balloon driver: the target stands and nothing inflates (actual 0).
 */
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { GuestDebugger } from '../../../hypervisor-core/debug';
import { evaluateConsole } from '../../../hypervisor-core/debug/console-commands';
import { LaunchError, resolveLaunch } from '../../../debug-adapter/launch-config';

const ROOT = resolve(__dirname, '../../../..');
const HELLO = resolve(ROOT, 'samples/hello/hello.elf');

describe('the balloon in a debug session', function () {
  this.timeout(30_000);

  it('takes balloon and balloonTarget from launch.json, refusing a bad target in one line', () => {
    assert.deepEqual(resolveLaunch({ program: HELLO, cwd: ROOT, balloon: true }).balloon, { target: 0 });
    assert.deepEqual(resolveLaunch({ program: HELLO, cwd: ROOT, balloonTarget: '8M' }).balloon, { target: 8 << 20 });
    assert.equal(resolveLaunch({ program: HELLO, cwd: ROOT }).balloon, undefined);
    assert.throws(() => resolveLaunch({ program: HELLO, cwd: ROOT, balloonTarget: 'lots' }), (e: Error) => e instanceof LaunchError && /balloonTarget must be a size/.test(e.message));
    assert.throws(() => resolveLaunch({ program: HELLO, cwd: ROOT, balloonTarget: '1G', memory: '64M' }), /must not exceed the guest memory/);
    assert.throws(() => resolveLaunch({ program: HELLO, cwd: ROOT, balloon: 'yes' as unknown as boolean }), /balloon must be true or false/);
  });

  it('shows and sets the balloon from the Debug Console, and reports it with the statistics', async () => {
    const o = resolveLaunch({ program: HELLO, cwd: ROOT, balloonTarget: '8M', clock: 'icount' });
    const d = GuestDebugger.launch(o);
    await d.continue();
    assert.ok(d.isEnded());
    assert.match(evaluateConsole(d, 0, 'balloon').text, /^balloon: target 8\.0 MiB, actual 0\.0 MiB of 128\.0 MiB RAM; committed host memory [\d.]+ MiB\nmemstat \(KiB\): actual=131072 rss=\d+$/);
    assert.match(evaluateConsole(d, 0, 'balloon 2M').text, /^balloon: target 2\.0 MiB/);
    assert.equal(d.statsReport().balloon?.targetBytes, 2 << 20);
    assert.throws(() => evaluateConsole(d, 0, 'balloon 2X'), /balloon needs a size such as 64M, not '2X'/);
    assert.throws(() => evaluateConsole(d, 0, 'balloon 1G'), /cannot hold more than the guest's RAM/);
    const plain = GuestDebugger.launch(resolveLaunch({ program: HELLO, cwd: ROOT }));
    assert.throws(() => evaluateConsole(plain, 0, 'balloon'), /the VM has no balloon/);
    assert.equal(plain.statsReport().balloon, undefined);
  });
});
