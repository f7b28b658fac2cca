/**
 * The timeline as Chrome trace-event JSON (the "JSON Object Format" of the Trace Event Format
 * document), which Perfetto (ui.perfetto.dev) and chrome://tracing open: one process per VM
 * (pid 1), one thread track per vCPU (tid = vCPU index, named "vCPU N" by `thread_name`
 * metadata). Guest runs, exits and blocked periods are complete events ("ph": "X", ts and dur in
 * microseconds from the first event); injected interrupts are thread-scoped instant events
 * ("ph": "i"). Exits carry their details in `args`, and the exact handling time in `args.ns`,
 * so `hyperscope report` rebuilds the very statistics the run printed.
 *
 *   { "traceEvents": [...], "displayTimeUnit": "ns",
 *     "otherData": { "schema": "hyperscope.trace/1", "clock", "vcpus", "events", "dropped", "ring", "kernel" } }
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Timeline, TimelineEvent, TimelineKind } from './timeline';

/** The `otherData.schema` of a trace file. */
export const TRACE_SCHEMA = 'hyperscope.trace/1';

/** What the file says about the run besides its events. */
export interface TraceMeta {
  clock: 'realtime' | 'icount';
  /** The kernel file, for the process name. */
  kernel: string;
  /** SBI call name for the statistics ("TIME.set_timer"), as the VM's dispatcher names it. */
  sbiName: (eid: number, fid: number) => string;
}

const IRQ_NAMES: Record<number, string> = { 2: 'VSSI', 6: 'VSTI', 10: 'VSEI' };
const TWO32 = 4294967296n;

const hex = (v: number) => '0x' + v.toString(16);
const pcHex = (lo: number, hi: number) => '0x' + (BigInt(hi >>> 0) * TWO32 + BigInt(lo >>> 0)).toString(16);

/** One trace event object for a timeline event; `t0` is the host ms that ts counts from. */
export function traceEvent(e: TimelineEvent, t0: number, tl: Timeline, meta: TraceMeta): object {
  const ts = (e.startMs - t0) * 1000;
  const base = { pid: 1, tid: e.vcpu, ts };
  switch (e.kind) {
    case TimelineKind.GUEST:
      return { name: 'guest', cat: 'guest', ph: 'X', ...base, dur: e.ns / 1000, args: { ns: e.ns, instructions: e.a } };
    case TimelineKind.BLOCKED:
      return { name: 'blocked', cat: 'blocked', ph: 'X', ...base, dur: e.ns / 1000 };
    case TimelineKind.IRQ:
      return { name: `irq ${IRQ_NAMES[e.a] ?? e.a}`, cat: 'irq', ph: 'i', s: 't', ...base, args: { irq: e.a, level: e.b } };
    case TimelineKind.EXIT:
    default: {
      const args: Record<string, unknown> = { ns: e.ns, pc: pcHex(e.pcLo, e.pcHi) };
      switch (e.reason) {
        case 'sbi':
          if (e.c >= 0) Object.assign(args, { call: meta.sbiName(e.a, e.b), eid: hex(e.a), fid: e.b });
          break;
        case 'mmio': {
          const device = tl.deviceName(e.b % 1000);
          const size = Math.floor(e.b / 1000) % 10;
          Object.assign(args, { device, gpa: hex(e.a) });
          if (size > 0) Object.assign(args, { size, write: e.b >= 10000 });
          if (e.c >= 0) args.virtio = `${device}.q${e.c}`;
          break;
        }
        case 'guest-page-fault':
          args.gpa = hex(e.a);
          break;
        case 'fault-redirect':
          args.cause = e.a;
          break;
      }
      return { name: e.reason, cat: 'exit', ph: 'X', ...base, dur: e.ns / 1000, args };
    }
  }
}

/**
 * Writes the timeline to `fd` as trace-event JSON, a chunk of events per write so a large
 * trace never becomes one giant string.
 */
export function writeTrace(fd: number, tl: Timeline, meta: TraceMeta): void {
  let t0 = Infinity;
  for (const e of tl.events()) t0 = Math.min(t0, e.startMs);
  if (t0 === Infinity) t0 = 0;
  const head: object[] = [{ name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: `hyperscope VM: ${meta.kernel}` } }];
  for (let v = 0; v < tl.vcpus; v++) {
    head.push({ name: 'thread_name', ph: 'M', pid: 1, tid: v, args: { name: `vCPU ${v}` } });
    head.push({ name: 'thread_sort_index', ph: 'M', pid: 1, tid: v, args: { sort_index: v } });
  }
  writeSync(fd, '{"traceEvents":[\n' + head.map((e) => JSON.stringify(e)).join(',\n'));
  let chunk: string[] = [];
  for (const e of tl.events()) {
    chunk.push(JSON.stringify(traceEvent(e, t0, tl, meta)));
    if (chunk.length >= 1000) {
      writeSync(fd, ',\n' + chunk.join(',\n'));
      chunk = [];
    }
  }
  if (chunk.length > 0) writeSync(fd, ',\n' + chunk.join(',\n'));
  const otherData = { schema: TRACE_SCHEMA, clock: meta.clock, vcpus: tl.vcpus, events: tl.length, dropped: tl.dropped, ring: tl.ring, kernel: meta.kernel };
  writeSync(fd, `\n],\n"displayTimeUnit":"ns",\n"otherData":${JSON.stringify(otherData)}}\n`);
}

/** Opens `path` and writes the trace into it. */
export function writeTraceFile(path: string, tl: Timeline, meta: TraceMeta): void {
  const fd = openSync(path, 'w');
  try {
    writeTrace(fd, tl, meta);
  } finally {
    closeSync(fd);
  }
}
