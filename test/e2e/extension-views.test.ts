/**
 * Fast unit tests (no VS Code) for the pure parts behind the debug views: the VM state from DAP
 * messages, the exit rate and status text, the Page Tables and VM Exits item texts, and the
 * guest console's newlines. Run by plain `npm test`.
 */
import { strict as assert } from 'node:assert';
import { outputText, stateAfter, stoppedThread, type VmState } from '../../extension/session-state';
import { ExitRate, compactCount } from '../../extension/exit-rate';
import { statusText } from '../../extension/status-text';
import { entryText, isLeaf, leafSize, parsePageTable, stageText } from '../../extension/page-tables/model';
import { exitDescription, exitDetails, exitLabel, formatNs, parseExitTrace } from '../../extension/vm-exits/model';
import { toTerminalNewlines } from '../../extension/guest-input';

describe('extension: VM state from DAP messages', () => {
  const ev = (event: string, body?: unknown) => ({ type: 'event', event, body });
  const req = (command: string) => ({ type: 'request', command });

  it('runs after configurationDone/continue/step requests, pauses on stopped, ends on terminated', () => {
    let s: VmState = 'starting';
    s = stateAfter(s, req('launch'), true);
    assert.equal(s, 'starting');
    s = stateAfter(s, req('configurationDone'), true);
    assert.equal(s, 'running');
    s = stateAfter(s, ev('stopped', { reason: 'breakpoint', threadId: 2 }), false);
    assert.equal(s, 'paused');
    s = stateAfter(s, req('variables'), true);
    assert.equal(s, 'paused');
    s = stateAfter(s, req('next'), true);
    assert.equal(s, 'running');
    s = stateAfter(s, ev('stopped'), false);
    s = stateAfter(s, ev('continued'), false);
    assert.equal(s, 'running');
    s = stateAfter(s, ev('terminated'), false);
    assert.equal(s, 'stopped');
    // Nothing brings a stopped session back.
    assert.equal(stateAfter(s, req('continue'), true), 'stopped');
  });

  it('reads the stopped thread and the guest output', () => {
    assert.equal(stoppedThread({ type: 'event', event: 'stopped', body: { threadId: 3 } }), 3);
    assert.equal(stoppedThread({ type: 'event', event: 'stopped', body: {} }), undefined);
    assert.equal(stoppedThread({ type: 'event', event: 'output', body: { threadId: 3 } }), undefined);
    assert.equal(outputText({ type: 'event', event: 'output', body: { category: 'stdout', output: 'hi\n' } }), 'hi\n');
    assert.equal(outputText({ type: 'event', event: 'output', body: { category: 'console', output: 'adapter note' } }), undefined);
    assert.equal(outputText({ type: 'event', event: 'output', body: { output: 'no category = console' } }), undefined);
  });
});

describe('extension: exit rate and status text', () => {
  it('is the increase over the window, restarting when the counters are reset', () => {
    const r = new ExitRate(2000);
    assert.equal(r.rate(), 0);
    r.push(100, 0);
    assert.equal(r.rate(), 0);
    r.push(600, 500);
    assert.equal(r.rate(), 1000);
    r.push(1100, 1000);
    r.push(1100, 3500); // idle for 2.5 s: the baseline moves up to t=1000
    assert.equal(r.rate(), 0);
    assert.equal(r.total(), 1100);
    r.push(5, 4000); // reset
    assert.equal(r.rate(), 0);
    assert.equal(r.total(), 5);
  });

  it('formats compact counts and the status bar text', () => {
    assert.deepEqual([0, 999, 1234, 45678, 2_500_000, 45_000_000].map(compactCount), ['0', '999', '1.2k', '46k', '2.5M', '45M']);
    assert.equal(statusText('running', 1234, 99), '$(vm-running) VM running · 1.2k exits/s');
    assert.equal(statusText('paused', 0, 36), '$(debug-pause) VM paused · 36 exits');
    assert.equal(statusText('stopped', 0, 36), '$(vm-outline) VM stopped');
  });
});

describe('extension: page tables view texts', () => {
  const body = {
    stage: 'g', mode: 'sv39x4', root: '0x80000000', leaves: 1,
    entries: [{
      index: 2, level: 2, pteAddress: '0x80000010', pte: '0x20009c01', flags: 'V-------', target: '0x80027000',
      children: [{
        index: 1, level: 1, pteAddress: '0x80027008', pte: '0x2000a001', flags: 'V-------', target: '0x80028000',
        children: [{ index: 0, level: 0, pteAddress: '0x80028000', pte: 0x200010df, flags: 'VRWX-GAD', target: '0x80004000', va: '0x80200000' }],
      }],
    }, { nonsense: true }],
  };

  it('validates the answer and keeps the tree (numbers become hex strings)', () => {
    const t = parsePageTable(body, 'g')!;
    assert.equal(t.entries.length, 1);
    const leaf = t.entries[0].children![0].children![0];
    assert.equal(leaf.pte, '0x200010df');
    assert.equal(isLeaf(leaf), true);
    assert.equal(isLeaf(t.entries[0]), false);
    assert.equal(parsePageTable({ error: 'x' }, 'vs'), undefined);
    assert.equal(parsePageTable(undefined, 'vs'), undefined);
  });

  it('labels stages, pointers and leaves', () => {
    const t = parsePageTable(body, 'g')!;
    const g = stageText(t, 'g');
    assert.equal(g.label, 'G-stage (hgatp)');
    assert.match(g.description, /^sv39x4, root 0x80000000, 1 leaf PTE$/);
    const bare = stageText({ stage: 'vs', mode: 'bare', root: '0x0', entries: [] }, 'vs');
    assert.match(bare.description, /Bare/);
    assert.match(stageText(undefined, 'vs', 'the guest is running').description, /running/);

    const ptr = entryText(t.entries[0], 'g');
    assert.equal(ptr.label, 'L2[2] -> table 0x80027000');
    assert.match(ptr.description, /1 valid · V------- · PTE 0x20009c01 @ 0x80000010/);
    const leaf = entryText(t.entries[0].children![0].children![0], 'g');
    assert.equal(leaf.label, 'L0[0] 0x80200000 -> 0x80004000');
    assert.match(leaf.description, /^4K VRWX-GAD · PTE 0x200010df @ 0x80028000$/);
    assert.match(leaf.tooltip, /GPA 0x80200000 -> HPA 0x80004000/);
    assert.match(leaf.tooltip, /valid, read, write, execute, global, accessed, dirty/);
    assert.deepEqual([0, 1, 2, 3].map(leafSize), ['4K', '2M', '1G', '512G']);
  });
});

describe('extension: VM exits view texts', () => {
  const sbi = {
    seq: 35, vcpu: 0, reason: 'sbi', pc: '0x802004ca', scause: '0xa', stval: '0x0', htval: '0x0', htinst: '0x0', ns: 2131,
    sbi: { eid: 0x4442434e, fid: 0, name: 'DBCN.console_write', args: ['0x1f', '0x802057c0'], error: 0, value: '0x1f' },
  };
  const mmio = {
    seq: 7, vcpu: 1, reason: 'mmio', pc: '0x80200100', ns: 850, gpa: '0x10000000',
    mmio: { device: 'uart0', address: '0x10000000', size: 1, write: true, value: '0x41' },
  };

  it('validates the answer, keeping well-formed records', () => {
    const t = parseExitTrace({ exits: [sbi, { seq: 'x' }, mmio], total: 36 })!;
    assert.equal(t.exits.length, 2);
    assert.equal(t.total, 36);
    assert.equal(parseExitTrace({}), undefined);
  });

  it('labels an exit by reason and what it did, with details', () => {
    assert.equal(exitLabel(sbi), '#35 sbi DBCN.console_write');
    assert.equal(exitDescription(sbi), 'vCPU 0 · pc 0x802004ca · 2.13 µs');
    assert.equal(exitLabel(mmio), '#7 mmio uart0 write 0x10000000 = 0x41 (1 B)');
    const d = exitDetails(sbi);
    assert.match(d, /^VM exit #35: sbi\n/);
    assert.match(d, /sbi {9}DBCN\.console_write \(eid 0x4442434e, fid 0\)/);
    assert.match(d, /args {8}0x1f 0x802057c0/);
    assert.match(exitDetails(mmio), /access {6}write of 1 byte at 0x10000000/);
    assert.deepEqual([850, 2131, 1_200_000].map(formatNs), ['850 ns', '2.13 µs', '1.20 ms']);
  });
});

describe('extension: guest console', () => {
  it('turns lone newlines into CRLF for the terminal', () => {
    assert.equal(toTerminalNewlines('a\nb\r\nc'), 'a\r\nb\r\nc');
  });
});
