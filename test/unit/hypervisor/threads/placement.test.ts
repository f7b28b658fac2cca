/**
 * The default vCPU thread count: one thread per host core but one (the VM's own thread and
 * V8's compilers keep that one), at most one per vCPU, at least one.
 */
import { strict as assert } from 'node:assert';
import { defaultVcpuThreads } from '../../../../hypervisor-core/hypervisor/threads/placement';

describe('default vCPU threads', () => {
  it('leaves one core to the VM\'s thread', () => {
    assert.equal(defaultVcpuThreads(2, 2), 1);
    assert.equal(defaultVcpuThreads(4, 4), 3);
    assert.equal(defaultVcpuThreads(2, 8), 2);
  });

  it('gives at most one thread per vCPU and at least one thread', () => {
    assert.equal(defaultVcpuThreads(1, 16), 1);
    assert.equal(defaultVcpuThreads(4, 1), 1);
    assert.equal(defaultVcpuThreads(3, 2), 1);
  });
});
