/**
 * The Virtual Machines view's model (no VS Code needed): a row per VM with state and vCPUs,
 * the context value the menus key on, and console text made fit for a terminal.
 */
import { strict as assert } from 'node:assert';
import { memoryText, terminalText, vmRows } from '../../extension/vms/model';

describe('Virtual Machines view model', () => {
  const base = { kernel: '/k.elf', clock: 'realtime' as const, instructions: 1234567, exits: 89, memory: 128 << 20 };

  it('shows each VM with its state, vCPUs and memory, and keys the actions on its state', () => {
    const rows = vmRows([
      { ...base, name: 'a', state: 'running', vcpus: 2 },
      { ...base, name: 'b', state: 'paused', vcpus: 1, reason: 'paused by the user' },
      { ...base, name: 'c', state: 'shut off', vcpus: 4, memory: 1 << 30 },
      { ...base, name: 'd', state: 'crashed', vcpus: 1, reason: 'the guest reported a system failure' },
    ]);
    assert.deepEqual(rows.map((r) => [r.label, r.description, r.contextValue, r.icon]), [
      ['a', 'running · 2 vCPUs · 128M', 'vm-running', 'vm-running'],
      ['b', 'paused · 1 vCPU · 128M', 'vm-paused', 'debug-pause'],
      ['c', 'shut off · 4 vCPUs · 1G', 'vm-shut-off', 'vm-outline'],
      ['d', 'crashed · 1 vCPU · 128M', 'vm-crashed', 'error'],
    ]);
    assert.match(rows[3].tooltip, /^d: crashed \(the guest reported a system failure\)\n/);
    assert.match(rows[0].tooltip, /1,234,567 instructions, 89 exits since boot/);
  });

  it('shows a VM\'s credit scheduler weight and cap in its tooltip', () => {
    const [capped, free] = vmRows([
      { ...base, name: 'a', state: 'running', vcpus: 1, weight: 512, cap: 50 },
      { ...base, name: 'b', state: 'running', vcpus: 1, weight: 256, cap: 0 },
    ]);
    assert.match(capped.tooltip, /\nscheduler: weight 512, cap 50% of a host CPU$/);
    assert.match(free.tooltip, /\nscheduler: weight 256, cap none$/);
  });

  it('shows a VM\'s balloon (actual size in the row; target, committed host memory and the guest\'s available memory in the tooltip) and its NIC', () => {
    const balloon = { ramBytes: 128 << 20, targetBytes: 32 << 20, actualBytes: 32 << 20, committedBytes: 31_142_707,
      guest: { available: 90_216, actual: 98_304, rss: 30_412 } };
    const [row] = vmRows([{ ...base, name: 'lx', state: 'running', vcpus: 1, balloon, net: { mac: '52:54:00:12:34:56', switch: 'lan0', port: 1 } }]);
    assert.equal(row.description, 'running · 1 vCPU · 128M · balloon 32M');
    assert.match(row.tooltip, /\nballoon 32M \(target 32M\), host memory committed 29\.7M, guest available 88\.1M\n/);
    assert.match(row.tooltip, /\nnet: 52:54:00:12:34:56 on switch lan0 port 1$/);
  });

  it('writes sizes as --memory takes them', () => {
    assert.equal(memoryText(16 << 20), '16M');
    assert.equal(memoryText(2 * 1024 ** 3), '2G');
    assert.equal(memoryText(4096), '4096 B');
  });

  it('turns a lone LF into CRLF for the terminal, also across chunks', () => {
    assert.deepEqual(terminalText('a\nb\r\nc\r', false), { text: 'a\r\nb\r\nc\r', lastWasCr: true });
    assert.deepEqual(terminalText('\nd', true), { text: '\nd', lastWasCr: false });
  });
});
