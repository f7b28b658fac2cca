/**
 * The Guest Kernel view's model (no VS Code needed): the adapter's `hyperscope.linux` answer
 * checked, and the texts of a task item (ps's state letters, fs/proc/array.c's words).
 */
import { strict as assert } from 'node:assert';
import { parseKernel, taskText } from '../../extension/guest-kernel/model';

describe('Guest Kernel view model', () => {
  it('keeps well-formed tasks and log lines, drops the rest', () => {
    const k = parseKernel({
      tasks: [{ address: '0xffffaf8000611540', pid: 1, comm: 'init', state: 'S', cpu: 0, vcpus: [] }, { pid: 'x' }, null],
      log: ['[    0.000000] Linux version 6.1', 7], logOmitted: 3, errors: [],
    })!;
    assert.equal(k.tasks!.length, 1);
    assert.deepEqual(k.log, ['[    0.000000] Linux version 6.1']);
    assert.equal(k.logOmitted, 3);
    assert.equal(parseKernel('nonsense'), undefined);
    assert.deepEqual(parseKernel({ errors: ['lx-ps: the kernel symbol \'init_task\' is not known'] })!.errors.length, 1);
  });

  it('names a task as ps does and marks the vCPUs that run it', () => {
    const t = taskText({ address: '0xffffaf80001a8640', pid: 34, comm: 'grep', state: 'R', cpu: 1, vcpus: [1] });
    assert.equal(t.label, 'grep [34]');
    assert.equal(t.description, 'R · cpu 1 · on vCPU 1');
    assert.match(t.tooltip, /state R \(running\), cpu 1\ntask_struct at 0xffffaf80001a8640\nrunning now on vCPU 1/);
  });
});
