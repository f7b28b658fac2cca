/**
 * The vCPU timeline recorder and its Chrome trace-event JSON. The format's rules come from the
 * Trace Event Format document (Perfetto and chrome://tracing read it): a JSON object with a
 * `traceEvents` array; complete events have ph "X", ts and dur in microseconds, pid and tid;
 * instant events ph "i" with scope s; metadata ph "M" names processes and threads
 * (`thread_name`), which gives one named track per tid.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timeline, TimelineKind } from '../../../../hypervisor-core/hypervisor/trace/timeline';
import { TRACE_SCHEMA, writeTraceFile } from '../../../../hypervisor-core/hypervisor/trace/trace-events';
import { readTrace, sortReport, TraceFormatError } from '../../../../hypervisor-core/hypervisor/trace/trace-report';

const meta = { clock: 'icount' as const, kernel: 'guest.elf', sbiName: (eid: number, fid: number) => (eid === 0x54494d45 ? 'TIME.set_timer' : `0x${eid.toString(16)}.fid_${fid}`) };

/** A small two-vCPU timeline: runs, an SBI call, an MMIO write that notifies a virtio queue, WFI and a wake-up. */
function sample(): Timeline {
  const tl = new Timeline(2, 100);
  tl.guest(0, 1.0, 500_000, 1000);
  tl.exit(0, 'sbi', 1.5, 2000, 0x80200902, 0, 0x54494d45, 0, 0);
  tl.guest(1, 1.0, 400_000, 800);
  const dev = tl.deviceIndex('virtio-blk0');
  tl.exit(1, 'mmio', 1.4, 3000, 0x80200c52, 0, 0x10001050, dev + 1000 * 4 + 10000, 0);
  tl.exit(0, 'wfi', 2.0, 1000, 0x802005f8, 0, 0, 0, -1);
  tl.blocked(0, 2.001);
  tl.irq(0, 10, true, 3.0);
  tl.guest(0, 3.5, 100_000, 10); // ends the blocked period
  return tl;
}

describe('vCPU timeline', () => {
  it('keeps events in order, blocked periods ending when the vCPU runs again', () => {
    const ev = [...sample().events()];
    assert.deepEqual(ev.map((e) => e.kind), [TimelineKind.GUEST, TimelineKind.EXIT, TimelineKind.GUEST, TimelineKind.EXIT,
      TimelineKind.EXIT, TimelineKind.IRQ, TimelineKind.BLOCKED, TimelineKind.GUEST]);
    const blocked = ev[6];
    assert.equal(blocked.vcpu, 0);
    assert.equal(blocked.startMs, 2.001);
    assert.ok(Math.abs(blocked.ns - 1.499e6) < 1e-3);
    assert.equal(ev[1].reason, 'sbi');
  });

  it('is bounded: past its capacity it drops new events, or as a ring the oldest', () => {
    const first = new Timeline(1, 3);
    const ring = new Timeline(1, 3, true);
    for (let i = 0; i < 5; i++) {
      first.guest(0, i, 1, i);
      ring.guest(0, i, 1, i);
    }
    assert.deepEqual([...first.events()].map((e) => e.a), [0, 1, 2]);
    assert.deepEqual([...ring.events()].map((e) => e.a), [2, 3, 4]);
    assert.equal(first.dropped, 2);
    assert.equal(ring.dropped, 2);
    assert.throws(() => new Timeline(1, 0), RangeError);
  });

  it('writes trace-event JSON with one named track per vCPU and exits as complete events with details', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hyperscope-tl-')), 't.json');
    writeTraceFile(path, sample(), meta);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(doc.otherData.schema, TRACE_SCHEMA);
    assert.equal(doc.displayTimeUnit, 'ns');
    const events = doc.traceEvents as { ph: string; name: string; pid: number; tid: number; ts?: number; dur?: number; s?: string; cat?: string; args?: Record<string, unknown> }[];
    const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args!.name]);
    assert.deepEqual(threads, [[0, 'vCPU 0'], [1, 'vCPU 1']]);
    for (const e of events) {
      assert.equal(e.pid, 1);
      assert.ok(e.tid === 0 || e.tid === 1);
      if (e.ph === 'X') assert.ok(typeof e.ts === 'number' && e.ts >= 0 && typeof e.dur === 'number' && e.dur >= 0, JSON.stringify(e));
      if (e.ph === 'i') assert.equal(e.s, 't');
    }
    const sbi = events.find((e) => e.name === 'sbi')!;
    assert.equal(sbi.ts, 500); // 1.5 ms after the first event at 1.0 ms, in microseconds
    assert.equal(sbi.dur, 2);
    assert.deepEqual(sbi.args, { ns: 2000, pc: '0x80200902', call: 'TIME.set_timer', eid: '0x54494d45', fid: 0 });
    const mmio = events.find((e) => e.name === 'mmio')!;
    assert.deepEqual(mmio.args, { ns: 3000, pc: '0x80200c52', device: 'virtio-blk0', gpa: '0x10001050', size: 4, write: true, virtio: 'virtio-blk0.q0' });
    assert.equal(events.find((e) => e.ph === 'i')!.name, 'irq VSEI');
    assert.equal(events.filter((e) => e.name === 'blocked').length, 1);
  });

  it('reads back into the same statistics the events were counted with', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hyperscope-tl-')), 't.json');
    writeTraceFile(path, sample(), meta);
    const { report, dropped } = readTrace(readFileSync(path, 'utf8'));
    assert.equal(dropped, 0);
    assert.equal(report.vcpus, 2);
    assert.deepEqual(report.reasons.map((r) => [r.key, r.samples, r.totalNs]), [['mmio', 1, 3000], ['sbi', 1, 2000], ['wfi', 1, 1000]]);
    assert.deepEqual(report.sbi.map((r) => r.key), ['TIME.set_timer']);
    assert.deepEqual(report.virtio?.map((r) => r.key), ['virtio-blk0.q0']);
    assert.equal(report.instructions, 1810);
    assert.equal(report.guestNs, 1_000_000);
    assert.deepEqual(sortReport(report, 'max').reasons.map((r) => r.key), ['mmio', 'sbi', 'wfi']);
    assert.deepEqual(sortReport(report, 'min').reasons.map((r) => r.key), ['mmio', 'sbi', 'wfi']);
  });

  it('refuses files that are not hyperscope traces with one line', () => {
    const bad = (text: string, why: RegExp) => assert.throws(() => readTrace(text), (e: Error) => e instanceof TraceFormatError && why.test(e.message));
    bad('{"traceEvents": [', /^not JSON/);
    bad('[]', /no traceEvents array/);
    bad('{"traceEvents": []}', /not a hyperscope trace/);
    const head = `{"otherData": {"schema": "${TRACE_SCHEMA}", "vcpus": 1}, "traceEvents": `;
    bad(head + '[{"ph": "X", "cat": "exit", "name": "teleport", "tid": 0, "args": {"ns": 1}}]}', /unknown exit reason "teleport"/);
    bad(head + '[{"ph": "X", "cat": "exit", "name": "sbi", "tid": 7, "args": {"ns": 1}}]}', /tid is not a vCPU/);
    bad(head + '[{"ph": "X", "cat": "exit", "name": "sbi", "tid": 0}]}', /args.ns missing/);
  });
});
