/**
 * Debug triggers and the PMU seen from guests of our own (test/guests/reproducers; `make qemu`
 * there runs the same guests on QEMU 7.2, where each passes): Sdtrig in M-mode on the bare
 * machine, SBI DBTR for a guest kernel, the SBI PMU as Linux perf drives it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './guest-runner';

const CLI = path.join(ROOT, 'bin', 'hyperscope.js');
const guest = (file: string) => path.join('test', 'guests', 'reproducers', 'build', file);

function hyperscope(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: '' });
}

describe('guests: debug triggers and the PMU', function () {
  this.timeout(60_000);

  it('triggers-bare: M-mode execute, load and store triggers raise breakpoints before the instruction', () => {
    // Before, tdata2 raised an illegal instruction (check 15: an unexpected trap).
    const r = hyperscope('run', '--bare', guest('triggers-bare.elf'), '--timeout', '30');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('dbtr: a guest kernel installs its own breakpoint and watchpoints with SBI DBTR; they trap to its stvec', () => {
    // Before, DBTR probed 0 and the guest printed "dbtr: SKIP" (as it does on QEMU 7.2 with
    // OpenSBI 1.1, which has no DBTR).
    const r = hyperscope('run', guest('dbtr.elf'), '--timeout', '30', '--stats');
    assert.equal(r.stdout.trim(), 'dbtr: PASS', r.stdout + r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^\s*DBTR\.install_triggers\s+2\s/m, 'the statistics name DBTR calls');
  });

  it('pmu: the calls perf makes count instructions on instret, set_timer calls on a firmware counter, data TLB misses on an hpmcounter', () => {
    // Before, PMU probed 0 (the guest printed "FAIL no PMU extension").
    const r = hyperscope('run', guest('pmu.elf'), '--timeout', '30', '--stats');
    assert.equal(r.stdout.trim(), 'pmu: PASS', r.stdout + r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^\s*PMU\.counter_config_matching\s+3\s/m, 'the statistics name PMU calls');
  });
});
