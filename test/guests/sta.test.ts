/**
 * SBI STA seen by a guest (test/guests/reproducers/src/sta.S): two vCPUs on one host thread,
 * so vCPU 0 waits while vCPU 1 runs and its steal time grows in the structure it registered.
 * The guest checks the values SBI v2.0 chapter 16 prescribes and prints "sta: ok".
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './guest-runner';

describe('guest: SBI steal-time accounting', function () {
  this.timeout(60_000);

  it('a vCPU that waits for the host thread sees its steal time grow; reporting stops on request', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hyperscope.js'), 'run', '--vcpus', '2', '--threads', '1', '--timeout', '50',
      path.join(ROOT, 'test', 'guests', 'reproducers', 'build', 'sta.elf')], { encoding: 'utf8', timeout: 55_000 });
    assert.equal(r.stdout, 'sta: ok\n', r.stderr);
    assert.equal(r.status, 0);
  });
});
