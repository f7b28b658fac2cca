/**
 * The kernel log from the printk ring buffer of Linux 5.10 and later (kernel/printk/
 * printk_ringbuffer.h), read as scripts/gdb/linux/dmesg.py of Linux 6.1 reads it: from the
 * tail descriptor to the head, committed and finalized records only, each record's text in the
 * data ring after its descriptor id, `[seconds.micros] text` per line, the time truncated as the
 * kernel's console prints it. Layouts come from the
 * kernel's DWARF; the descriptor states are the header's constants. Bounded by the ring's sizes.
 */
import { Kernel, LinuxError } from './kernel';

/** One record. */
export interface LogRecord { nsec: bigint; text: string }

/** The most records read (a ring larger than this is read from its newest end). */
export const MAX_RECORDS = 100_000;
/** The largest text data ring read (bytes). */
const MAX_DATA_RING = 1 << 24;

const C = 'lx-dmesg';
const RB = 'struct printk_ringbuffer', DR = 'struct prb_desc_ring', TR = 'struct prb_data_ring', DESC = 'struct prb_desc', INFO = 'struct printk_info';

/** The records in the ring, oldest first. */
export function readLog(k: Kernel): LogRecord[] {
  // prb points at printk_rb_static, or at a larger ring set up from log_buf_len=.
  const prb = k.ptr(k.symbol('prb', C));
  const ring = prb + BigInt(k.offset(RB, 'desc_ring', C));
  const count = 1n << k.uint(ring + BigInt(k.offset(DR, 'count_bits', C)), 4);
  const descs = k.ptr(ring + BigInt(k.offset(DR, 'descs', C)));
  const infos = k.ptr(ring + BigInt(k.offset(DR, 'infos', C)));
  const data = prb + BigInt(k.offset(RB, 'text_data_ring', C));
  const dataSize = 1n << k.uint(data + BigInt(k.offset(TR, 'size_bits', C)), 4);
  if (dataSize > BigInt(MAX_DATA_RING) || count > BigInt(MAX_RECORDS) * 4n) throw new LinuxError(`${C}: the ring buffer's sizes look wrong (${count} descriptors, ${dataSize} bytes)`);
  const text = k.bytes(k.ptr(data + BigInt(k.offset(TR, 'data', C))), Number(dataSize));
  const descSize = BigInt(k.size(DESC, C)), infoSize = BigInt(k.size(INFO, C));
  const svOff = BigInt(k.offset(DESC, 'state_var', C));
  const beginOff = BigInt(k.offset(DESC, 'text_blk_lpos.begin', C)), nextOff = BigInt(k.offset(DESC, 'text_blk_lpos.next', C));
  const tsOff = BigInt(k.offset(INFO, 'ts_nsec', C)), lenOff = BigInt(k.offset(INFO, 'text_len', C));
  // printk_ringbuffer.h: the top two bits of state_var are the state; committed 1, finalized 2.
  const flagsShift = 62n, idMask = (1n << 62n) - 1n;
  const tail = k.uint(ring + BigInt(k.offset(DR, 'tail_id', C)), 8);
  const head = k.uint(ring + BigInt(k.offset(DR, 'head_id', C)), 8);
  const out: LogRecord[] = [];
  let id = tail;
  for (let n = 0; n < Number(count) + 1; n++) {
    const ind = id % count;
    const desc = descs + descSize * ind;
    const state = (k.uint(desc + svOff, 8) >> flagsShift) & 3n;
    if (state === 1n || state === 2n) {
      let begin = k.uint(desc + beginOff, 8) % dataSize;
      const end = k.uint(desc + nextOff, 8) % dataSize;
      let body = '';
      if ((begin & 1n) === 0n) { // an odd begin is a record without data
        if (begin > end) begin = 0n; // the block wrapped: its data starts the ring
        const start = begin + 8n; // after the descriptor id
        let len = k.uint(infos + infoSize * ind + lenOff, 2);
        if (end - start < len) len = end > start ? end - start : 0n;
        body = new TextDecoder().decode(text.subarray(Number(start), Number(start + len)));
      }
      out.push({ nsec: k.uint(infos + infoSize * ind + tsOff, 8), text: body });
      if (out.length > MAX_RECORDS) out.shift();
    }
    if (id === head) break;
    id = (id + 1n) & idMask;
  }
  return out;
}

/** `[    0.000000] text` per line, as dmesg and lx-dmesg print it. */
export function formatLog(records: LogRecord[]): string {
  const lines: string[] = [];
  for (const r of records) {
    // Truncated to the microsecond as the kernel's console (print_time) and dmesg write it; dmesg.py's {:12.6f} rounds.
    const us = r.nsec / 1000n;
    const stamp = `[${`${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`.padStart(12)}]`;
    const parts = r.text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop(); // Python's splitlines()
    for (const line of parts) lines.push(`${stamp} ${line}`);
  }
  return lines.join('\n');
}
