/**
 * gdb remote protocol commands (gdb manual appendix E, "Packets", "General Query Packets",
 * "Stop Reply Packets"), answered over the debug facade as QEMU's stub answers them: one
 * process (pid 1) with one thread per vCPU (thread N is vCPU N - 1), all-stop, registers by
 * the target description's numbers, memory through the selected vCPU's translation or, after
 * `Qqemu.PhyMemMode:1`, guest-physical; Z0/Z1 breakpoints and Z2..Z4 watchpoints; c/s/vCont.
 *
 * `handle` answers a packet at once, or asks the session to resume the guest; `resume` runs
 * it and gives the stop reply. A command with bad arguments gets `E22` (EINVAL), an unreadable
 * address `E14` (EFAULT), as QEMU answers; an unknown one the empty reply.
 */
import { codeAddr, type GuestDebugger, type StopEvent, type WatchAccess, type WatchRequest } from '../debug';
import { fromHex, MAX_PACKET, toHex } from './packet-codec';
import { G_REGISTERS, leHex, parseLeHex, readGdbRegister, registerSize, writeGdbRegister } from './gdb-registers';
import { targetAnnex } from './target-description';
import { runMonitor } from './monitor';

/** What the session does with a packet. */
export type Action =
  /** `console`: text for gdb's console first, in O packets (monitor output). */
  | { reply: string; console?: string }
  /**
   * Step one vCPU (the others stay stopped), or run the guest: every vCPU, or (`only`) those
   * vCPUs while the others stay stopped; the stop reply follows when it stops.
   */
  | { resume: { step?: number; only?: number[] } }
  /** Reply OK, then let the guest run on without a debugger. */
  | { detach: true }
  /** End the VM; `reply` (vKill's OK) goes out first. */
  | { kill: true; reply?: string };

const E_INVAL = 'E22';
const E_FAULT = 'E14';
/** Bytes one m packet returns at most: the hex fills our PacketSize. */
const MAX_READ = MAX_PACKET / 2 - 16;
/** Watchpoints, like hardware triggers, are few. */
const MAX_WATCHPOINTS = 64;
/** Breakpoints gdb may insert. */
const MAX_BREAKPOINTS = 4096;
const U64_HEX = /^[0-9a-fA-F]{1,16}$/;

const reply = (r: string): Action => ({ reply: r });
const hexNum = (s: string): number | undefined => (/^[0-9a-fA-F]{1,8}$/.test(s) ? parseInt(s, 16) : undefined);
const hexBig = (s: string): bigint | undefined => (U64_HEX.test(s) ? BigInt('0x' + s) : undefined);

/** The protocol state of one gdb connection over one debugged VM. */
export class GdbDispatcher {
  /** gdb announced multiprocess+: thread ids are written p1.N. */
  private multiprocess = false;
  /** vCPU for g/p/m (Hg); undefined = the one that stopped. */
  private gThread?: number;
  /** Memory accesses are guest-physical (Qqemu.PhyMemMode:1). */
  private physMode = false;
  private readonly breakpoints = new Set<number>();
  private readonly watches: (WatchRequest & { key: string })[] = [];
  /** The exit status once the guest has ended. */
  exitCode?: number;

  constructor(private readonly dbg: GuestDebugger) {
    dbg.on('exited', (code: number) => { this.exitCode = code; });
  }

  private get vcpuCount(): number {
    return this.dbg.vm.vcpus.length;
  }

  /** The vCPU that last stopped (where gdb's current thread starts). */
  private get stoppedVcpu(): number {
    return this.dbg.lastStop?.vcpu ?? 0;
  }

  private get current(): number {
    return this.gThread ?? this.stoppedVcpu;
  }

  private tid(vcpu: number): string {
    return this.multiprocess ? `p1.${(vcpu + 1).toString(16)}` : (vcpu + 1).toString(16);
  }

  /** A thread id: vCPU index, 'all' (-1), 'any' (0), or undefined when malformed or unknown. */
  private parseThread(s: string): number | 'all' | 'any' | undefined {
    const m = /^(?:p(-1|[0-9a-fA-F]+)(?:\.(-1|[0-9a-fA-F]+))?|(-1|[0-9a-fA-F]+))$/.exec(s);
    if (!m) return undefined;
    if (m[1] !== undefined && m[1] !== '-1' && parseInt(m[1], 16) !== 1 && parseInt(m[1], 16) !== 0) return undefined;
    const t = m[1] !== undefined ? m[2] ?? '-1' : m[3];
    if (t === '-1') return 'all';
    const n = parseInt(t, 16);
    if (n === 0) return 'any';
    return n <= this.vcpuCount ? n - 1 : undefined;
  }

  /** Answers one packet payload. */
  handle(p: string): Action {
    switch (p[0]) {
      case '?': return reply(this.stopReply());
      case 'g': return reply(this.readAll());
      case 'G': return reply(this.writeAll(p.slice(1)));
      case 'p': return reply(this.readOne(p.slice(1)));
      case 'P': return reply(this.writeOne(p.slice(1)));
      case 'm': return reply(this.readMemory(p.slice(1)));
      case 'M': return reply(this.writeMemoryHex(p.slice(1)));
      case 'X': return reply(this.writeMemoryBinary(p.slice(1)));
      case 'Z': case 'z': return reply(this.breakpoint(p[0] === 'Z', p.slice(1)));
      case 'H': return reply(this.setThread(p.slice(1)));
      case 'T': return reply(typeof this.parseThread(p.slice(1)) === 'number' ? 'OK' : 'E01');
      case 'c': case 's': case 'C': case 'S': return this.resumeSimple(p);
      case 'v': return this.vPacket(p);
      case 'q': return p.startsWith('qRcmd,') ? this.monitor(p.slice(6)) : reply(this.query(p));
      case 'Q': return reply(this.set(p));
      case 'D': return { detach: true };
      case 'k': return { kill: true };
      default: return reply('');
    }
  }

  /** The stop reply for the current stop (T..thread:..;) or the exit (W..). */
  stopReply(): string {
    if (this.dbg.isEnded()) return `W${(this.exitCode ?? 0).toString(16).padStart(2, '0')}`;
    const s: StopEvent | undefined = this.dbg.lastStop;
    const sig = s?.reason === 'pause' ? '02' : '05'; // SIGINT for Ctrl-C, SIGTRAP otherwise (QEMU)
    return `T${sig}thread:${this.tid(s?.vcpu ?? 0)};${this.watchField(s)}`;
  }

  private watchField(s: StopEvent | undefined): string {
    const w = s?.watch;
    if (!w) return '';
    const kind = w.access === 'write' ? 'watch' : w.access === 'read' ? 'rwatch' : 'awatch';
    // gdb matches the address against its watched ranges: name a byte inside the range.
    const at = w.address >= w.watched ? w.address : w.watched;
    return `${kind}:${at.toString(16)};`;
  }

  /**
   * Runs the guest as `handle` asked; resolves with the stop reply. A watchpoint stops before
   * the access, at the accessing instruction, as RISC-V triggers and QEMU do: gdb's RISC-V
   * target treats watchpoints as non-steppable and steps over the access itself.
   */
  async resume(what: { step?: number; only?: number[] }): Promise<string> {
    this.gThread = undefined;
    const d = this.dbg;
    if (d.isEnded()) return this.stopReply();
    if (what.step !== undefined) await d.stepInstruction(what.step);
    else await d.continue(what.only);
    return this.stopReply();
  }

  // ---- registers ----

  private hart() {
    return this.dbg.hart(this.current);
  }

  private readAll(): string {
    const h = this.hart();
    let out = '';
    for (let n = 0; n < G_REGISTERS; n++) out += leHex(readGdbRegister(h, n) ?? 0n, 8);
    return out;
  }

  private writeAll(hex: string): string {
    if (hex.length !== G_REGISTERS * 16) return E_INVAL;
    const h = this.hart();
    const values: bigint[] = [];
    for (let n = 0; n < G_REGISTERS; n++) {
      const v = parseLeHex(hex.slice(n * 16, n * 16 + 16));
      if (v === undefined) return E_INVAL;
      values.push(v);
    }
    values.forEach((v, n) => writeGdbRegister(h, n, v));
    return 'OK';
  }

  private readOne(arg: string): string {
    const n = hexNum(arg);
    const size = n === undefined ? undefined : registerSize(n);
    if (n === undefined || size === undefined) return E_INVAL;
    return leHex(readGdbRegister(this.hart(), n) ?? 0n, size);
  }

  private writeOne(arg: string): string {
    const m = /^([0-9a-fA-F]+)=([0-9a-fA-F]+)$/.exec(arg);
    const n = m ? hexNum(m[1]) : undefined;
    const size = n === undefined ? undefined : registerSize(n);
    if (!m || n === undefined || size === undefined || m[2].length !== size * 2) return E_INVAL;
    return writeGdbRegister(this.hart(), n, parseLeHex(m[2])!) ? 'OK' : E_INVAL;
  }

  // ---- memory ----

  private parseRange(s: string): { addr: bigint; len: number } | undefined {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(s);
    if (!m) return undefined;
    const addr = hexBig(m[1]), len = hexNum(m[2]);
    if (addr === undefined || len === undefined) return undefined;
    return { addr, len };
  }

  private read(addr: bigint, len: number): Uint8Array | null {
    const mem = this.dbg.memory;
    if (this.physMode) return mem.readPhys(addr, len);
    return mem.readVirt(this.hart(), addr, len);
  }

  private write(addr: bigint, data: Uint8Array): boolean {
    const mem = this.dbg.memory;
    if (this.physMode) return mem.writePhys(addr, data);
    return mem.writeVirt(this.hart(), addr, data) === data.length;
  }

  private readMemory(arg: string): string {
    const r = this.parseRange(arg);
    if (!r) return E_INVAL;
    if (r.len === 0) return '';
    // A partial read is allowed (gdb asks again for the rest); past the end of a page it stops.
    const b = this.read(r.addr, Math.min(r.len, MAX_READ));
    if (!b || b.length === 0) return E_FAULT;
    let out = '';
    for (const x of b) out += x.toString(16).padStart(2, '0');
    return out;
  }

  private writeMemoryHex(arg: string): string {
    const colon = arg.indexOf(':');
    const r = colon < 0 ? undefined : this.parseRange(arg.slice(0, colon));
    const bytes = colon < 0 ? undefined : fromHex(arg.slice(colon + 1));
    if (!r || bytes === undefined || bytes.length !== r.len) return E_INVAL;
    return r.len === 0 || this.write(r.addr, latin1Bytes(bytes)) ? 'OK' : E_FAULT;
  }

  private writeMemoryBinary(arg: string): string {
    const colon = arg.indexOf(':');
    const r = colon < 0 ? undefined : this.parseRange(arg.slice(0, colon));
    const bytes = colon < 0 ? undefined : arg.slice(colon + 1);
    if (!r || bytes === undefined || bytes.length !== r.len) return E_INVAL;
    return r.len === 0 || this.write(r.addr, latin1Bytes(bytes)) ? 'OK' : E_FAULT;
  }

  // ---- breakpoints and watchpoints ----

  private breakpoint(insert: boolean, arg: string): string {
    const m = /^([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(?:;.*)?$/.exec(arg);
    if (!m) return E_INVAL;
    const type = Number(m[1]);
    const addr = hexBig(m[2]), kind = hexNum(m[3]);
    if (addr === undefined || kind === undefined) return E_INVAL;
    if (type <= 1) {
      const a = codeAddr(addr);
      if (!Number.isSafeInteger(a)) return E_INVAL;
      if (insert) {
        if (this.breakpoints.size >= MAX_BREAKPOINTS && !this.breakpoints.has(a)) return E_INVAL;
        this.breakpoints.add(a);
      } else {
        this.breakpoints.delete(a);
      }
      this.dbg.setInstructionBreakpoints([...this.breakpoints].map((address) => ({ address })));
      return 'OK';
    }
    const access: WatchAccess = type === 2 ? 'write' : type === 3 ? 'read' : 'readWrite';
    const key = `${type},${addr.toString(16)},${kind}`;
    const at = this.watches.findIndex((w) => w.key === key);
    if (insert) {
      if (at >= 0) return 'OK';
      if (this.watches.length >= MAX_WATCHPOINTS) return E_INVAL;
      const req = { key, address: addr, size: kind, access };
      const results = this.dbg.setDataBreakpoints([...this.watches, req]);
      if ('error' in results[results.length - 1]) {
        this.dbg.setDataBreakpoints(this.watches);
        return E_INVAL;
      }
      this.watches.push(req);
    } else {
      if (at < 0) return 'OK';
      this.watches.splice(at, 1);
      this.dbg.setDataBreakpoints(this.watches);
    }
    return 'OK';
  }

  /**
   * Removes every breakpoint and watchpoint this connection placed: gdb removes its own
   * before D, but one that vanished (killed, network gone) must not leave the guest to stop
   * at them with nobody attached.
   */
  removeAll(): void {
    if (this.breakpoints.size) {
      this.breakpoints.clear();
      this.dbg.setInstructionBreakpoints([]);
    }
    if (this.watches.length) {
      this.watches.length = 0;
      this.dbg.setDataBreakpoints([]);
    }
  }

  // ---- threads and execution ----

  private setThread(arg: string): string {
    const t = this.parseThread(arg.slice(1));
    if (t === undefined || (arg[0] !== 'g' && arg[0] !== 'c')) return E_INVAL;
    // Hc only names the thread for c/s; vCont says it per action.
    if (arg[0] === 'g') this.gThread = typeof t === 'number' ? t : undefined;
    return 'OK';
  }

  private resumeSimple(p: string): Action {
    // c[addr], s[addr], C sig[;addr], S sig[;addr]: the signal is ignored, as QEMU does.
    const rest = p[0] === 'c' || p[0] === 's' ? p.slice(1) : p.slice(1).split(';')[1] ?? '';
    if (rest !== '') {
      const addr = hexBig(rest);
      if (addr === undefined) return reply(E_INVAL);
      writeGdbRegister(this.hart(), 32, addr);
    }
    const step = p[0] === 's' || p[0] === 'S';
    return { resume: step ? { step: this.current } : {} };
  }

  /**
   * vCont actions (RSP "vCont"): a thread not named by any action stays stopped, as gdb's
   * scheduler-locking expects (`vCont;c:2` runs thread 2 alone, as QEMU does). A step action
   * steps that vCPU alone, even with a default action for the others (`vCont;s:2;c`): the
   * step is one instruction, which the others would barely run into on QEMU either.
   */
  private vCont(actions: string): Action {
    const only = new Set<number>();
    let all = false;
    for (const a of actions.split(';')) {
      const [act, thread] = a.split(':');
      if (!/^([cs]|[CS][0-9a-fA-F]{2})$/.test(act)) return reply(act === 't' || act === 'r' ? '' : E_INVAL);
      const t = thread === undefined ? 'all' : this.parseThread(thread);
      if (t === undefined) return reply(E_INVAL);
      if (act[0].toLowerCase() === 's') return { resume: { step: typeof t === 'number' ? t : this.current } };
      if (typeof t === 'number') only.add(t);
      else all = true;
    }
    return { resume: all ? {} : { only: [...only] } };
  }

  private vPacket(p: string): Action {
    if (p === 'vCont?') return reply('vCont;c;C;s;S');
    if (p.startsWith('vCont;')) return this.vCont(p.slice(6));
    if (p.startsWith('vKill')) return { kill: true, reply: 'OK' };
    if (p === 'vMustReplyEmpty') return reply('');
    return reply('');
  }

  // ---- queries ----

  private query(p: string): string {
    if (p.startsWith('qSupported')) {
      this.multiprocess = /(^|[:;])multiprocess\+/.test(p);
      return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;qXfer:threads:read+;vContSupported+;QStartNoAckMode+` +
        (this.multiprocess ? ';multiprocess+' : '');
    }
    if (p.startsWith('qXfer:features:read:')) return this.xfer(p.slice(20), (annex) => targetAnnex(annex));
    if (p.startsWith('qXfer:threads:read:')) return this.xfer(p.slice(19), (annex) => (annex === '' ? this.threadsXml() : undefined));
    if (p === 'qfThreadInfo') return 'm' + this.dbg.vm.vcpus.map((v) => this.tid(v.id)).join(',');
    if (p === 'qsThreadInfo') return 'l';
    if (p === 'qC') return 'QC' + this.tid(this.current);
    if (p.startsWith('qAttached')) return '1';
    if (p === 'qOffsets') return 'Text=0;Data=0;Bss=0';
    if (p === 'qSymbol::') return 'OK';
    if (p.startsWith('qThreadExtraInfo,')) {
      const t = this.parseThread(p.slice(17));
      return typeof t === 'number' ? toHex(this.threadName(t)) : E_INVAL;
    }
    if (p === 'qqemu.Supported') return 'PhyMemMode';
    if (p === 'qqemu.PhyMemMode') return this.physMode ? '1' : '0';
    return '';
  }

  /** qRcmd: the output goes to gdb's console in O packets (any length), then OK, as QEMU does. */
  private monitor(hexCommand: string): Action {
    const cmd = fromHex(hexCommand);
    if (cmd === undefined) return reply(E_INVAL);
    return { reply: 'OK', console: runMonitor(this.dbg, this.current, cmd) };
  }

  private set(p: string): string {
    const m = /^Qqemu\.PhyMemMode:([01])$/.exec(p);
    if (m) { this.physMode = m[1] === '1'; return 'OK'; }
    if (p.startsWith('Qqemu.PhyMemMode')) return E_INVAL;
    return '';
  }

  /** qXfer reads: `annex:offset,length`, answered `m` (more) or `l` (last) with the slice. */
  private xfer(arg: string, get: (annex: string) => string | undefined): string {
    const m = /^([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(arg);
    if (!m) return E_INVAL;
    const text = get(m[1]);
    if (text === undefined) return 'E00';
    const off = hexNum(m[2]), len = hexNum(m[3]);
    if (off === undefined || len === undefined) return E_INVAL;
    const n = Math.min(len, MAX_PACKET - 16);
    const chunk = text.slice(off, off + n);
    return (off + n >= text.length ? 'l' : 'm') + chunk;
  }

  /** As QEMU's "CPU#0 [running]": halted is a vCPU in WFI or not yet started (SBI HSM). */
  private threadName(vcpu: number): string {
    const v = this.dbg.vm.vcpus[vcpu];
    return `vCPU ${vcpu} [${v.state === 'runnable' ? 'running' : 'halted'}]`;
  }

  private threadsXml(): string {
    return '<?xml version="1.0"?>\n<threads>\n' + this.dbg.vm.vcpus.map((v) =>
      `  <thread id="${this.tid(v.id)}" core="${v.id}">${this.threadName(v.id)}</thread>\n`).join('') + '</threads>\n';
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
