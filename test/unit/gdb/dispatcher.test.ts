/**
 * The gdb stub's command dispatcher and session over the debug facade, on samples/hello
 * stopped at its first instruction. Expected bytes come from the ELF as objdump shows it
 * (`riscv64-unknown-elf-objdump -d hello.elf`: 0x80200000 `10401073 csrw sie,zero`, then
 * `14001073`); reply formats from the gdb manual (appendix E) and from QEMU 7.2's stub as
 * `set debug remote 1` shows it (T05thread:p01.01;, E14 for unreadable memory, vCont;c;C;s;S).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestDebugger } from '../../../hypervisor-core/debug/guest-debugger';
import { GdbDispatcher } from '../../../hypervisor-core/gdb/dispatcher';
import { GdbSession } from '../../../hypervisor-core/gdb/session';
import { checksum, encodePacket, fromHex, toHex } from '../../../hypervisor-core/gdb/packet-codec';
import { targetAnnex } from '../../../hypervisor-core/gdb/target-description';

const ROOT = join(__dirname, '..', '..', '..', '..');
const HELLO = join(ROOT, 'samples', 'hello', 'hello.elf');

function launch(vcpus = 1): GuestDebugger {
  return GuestDebugger.launch({
    kernel: readFileSync(HELLO), programPath: HELLO, vcpus, memory: 64 * 1024 * 1024, clock: 'icount', cwd: ROOT,
  });
}

/** A monitor command's console text. */
const monitor = (d: GdbDispatcher, cmd: string): string => {
  const a = d.handle('qRcmd,' + toHex(cmd)) as { reply: string; console?: string };
  assert.equal(a.reply, 'OK');
  return a.console ?? '';
};

const reply = (d: GdbDispatcher, p: string): string => {
  const a = d.handle(p);
  assert.ok('reply' in a, `${p} answers at once`);
  return (a as { reply: string }).reply;
};

describe('gdb stub dispatcher', () => {
  let dbg: GuestDebugger;
  let d: GdbDispatcher;
  beforeEach(() => {
    dbg = launch(2);
    d = new GdbDispatcher(dbg);
    reply(d, 'qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386');
  });
  afterEach(() => dbg.terminate());

  it('announces what QEMU announces, plus no-ack mode and the thread list', () => {
    const r = reply(new GdbDispatcher(dbg), 'qSupported:multiprocess+;vContSupported+');
    assert.match(r, /^PacketSize=1000;/);
    for (const f of ['qXfer:features:read+', 'qXfer:threads:read+', 'QStartNoAckMode+', 'multiprocess+', 'vContSupported+']) assert.ok(r.includes(f), f);
    assert.ok(!reply(new GdbDispatcher(dbg), 'qSupported:swbreak+').includes('multiprocess'));
  });

  it('reports the entry stop on vCPU 0 and lists one thread per vCPU', () => {
    assert.equal(reply(d, '?'), 'T05thread:p1.1;');
    assert.equal(reply(d, 'qfThreadInfo'), 'mp1.1,p1.2');
    assert.equal(reply(d, 'qsThreadInfo'), 'l');
    assert.equal(reply(d, 'qC'), 'QCp1.1');
    assert.equal(fromHex(reply(d, 'qThreadExtraInfo,p1.2')), 'vCPU 1 [halted]');
    assert.match(reply(d, 'qXfer:threads:read::0,fff'), /^l<\?xml[^]*<thread id="p1.1" core="0">vCPU 0 \[running\]<\/thread>[^]*id="p1.2"/);
    assert.equal(reply(d, 'qAttached:1'), '1');
  });

  it('reads the registers: g holds x0..x31 and pc; p reads pc, priv, virt, CSRs and FPRs', () => {
    const g = reply(d, 'g');
    assert.equal(g.length, 33 * 16);
    assert.equal(g.slice(32 * 16), '0000208000000000', 'pc = 0x80200000, little-endian');
    assert.equal(g.slice(10 * 16, 11 * 16), '0000000000000000', 'a0 = hart id 0');
    assert.equal(reply(d, 'p20'), '0000208000000000');
    assert.equal(reply(d, 'p45'), '0100000000000000', 'priv = 1: the guest kernel runs in (V)S-mode');
    assert.equal(reply(d, 'p46'), '0100000000000000', 'virt = 1');
    assert.equal(reply(d, 'p21').length, 16, 'ft0');
    assert.equal(reply(d, 'p44').length, 8, 'fcsr is 32 bits');
    // CSR n is register 128 + n: mhartid (0xf14) of vCPU 1 is 1.
    assert.equal(reply(d, 'Hgp1.2'), 'OK');
    assert.equal(reply(d, `p${(128 + 0xf14).toString(16)}`), '0100000000000000');
    // hgatp of vCPU 0 is set by the hypervisor (Sv39x4: mode 8 in bits 63:60).
    assert.equal(reply(d, 'Hgp1.1'), 'OK');
    assert.equal(reply(d, `p${(128 + 0x680).toString(16)}`).slice(14), '80');
    assert.equal(reply(d, 'pfff'), 'E22', 'no register 0xfff');
    assert.equal(reply(d, 'pzz'), 'E22');
  });

  it('writes H and VS CSRs by number with their WARL rules; read-only CSRs refuse', () => {
    const reg = (csr: number) => (128 + csr).toString(16);
    assert.equal(reply(d, `P${reg(0x240)}=0500000000000000`), 'OK', 'vsscratch');
    assert.equal(reply(d, `p${reg(0x240)}`), '0500000000000000');
    // sstatus with V=1 is the guest's vsstatus (as QEMU shows a guest's S CSRs): SIE is bit 1.
    assert.equal(reply(d, `P${reg(0x100)}=0200000000000000`), 'OK');
    assert.equal(reply(d, `p${reg(0x200)}`).slice(0, 2), '02', 'vsstatus.SIE');
    // stvec WARL: mode 2 is reserved, bit 1 reads as zero.
    assert.equal(reply(d, `P${reg(0x205)}=0301008000000000`), 'OK', 'vstvec');
    assert.equal(reply(d, `p${reg(0x205)}`), '0101008000000000');
    assert.equal(reply(d, `P${reg(0xf14)}=0500000000000000`), 'E22', 'mhartid is read-only');
    assert.equal(reply(d, `P${reg(0x5c0)}=0500000000000000`), 'E22', 'no such CSR');
    assert.equal(reply(d, 'P45=0200000000000000'), 'E22', 'priv 2 does not exist');
  });

  it('writes registers with P and G, x0 stays zero', () => {
    assert.equal(reply(d, 'Pa=efbeadde00000000'), 'OK');
    assert.equal(reply(d, 'pa'), 'efbeadde00000000');
    assert.equal(reply(d, 'P0=0100000000000000'), 'OK');
    assert.equal(reply(d, 'p0'), '0000000000000000');
    assert.equal(reply(d, 'Pa=01'), 'E22', 'wrong width');
    const g = reply(d, 'g');
    assert.equal(reply(d, 'G' + g), 'OK');
    assert.equal(reply(d, 'G' + g.slice(2)), 'E22');
  });

  it('reads memory through the vCPU (bare VS stage) and guest-physically after Qqemu.PhyMemMode:1', () => {
    assert.equal(reply(d, 'm80200000,8'), '7310401073100014');
    assert.equal(reply(d, 'm10000000,4'), 'E14', 'MMIO is never read (side effects)');
    assert.equal(reply(d, 'm0,4'), 'E14');
    assert.equal(reply(d, 'm80200000'), 'E22');
    assert.equal(reply(d, 'mzz,4'), 'E22');
    assert.equal(reply(d, 'm80200000,0'), '');
    assert.equal(reply(d, 'qqemu.PhyMemMode'), '0');
    assert.equal(reply(d, 'Qqemu.PhyMemMode:1'), 'OK');
    assert.equal(reply(d, 'qqemu.PhyMemMode'), '1');
    assert.equal(reply(d, 'm80200000,4'), '73104010');
    assert.equal(reply(d, 'Qqemu.PhyMemMode:2'), 'E22');
    assert.equal(reply(d, 'Qqemu.PhyMemMode:0'), 'OK');
  });

  it('limits one read to what fits in a packet (gdb asks again for the rest)', () => {
    assert.equal(reply(d, 'm80200000,100000').length, 2 * (0x800 - 16));
  });

  it('writes memory with M (hex) and X (binary, escapes undone by the codec)', () => {
    assert.equal(reply(d, 'M80300000,4:01020304'), 'OK');
    assert.equal(reply(d, 'm80300000,4'), '01020304');
    assert.equal(reply(d, 'X80300000,4:$#}*'), 'OK');
    assert.equal(reply(d, 'm80300000,4'), '24237d2a');
    assert.equal(reply(d, 'X80300000,0:'), 'OK', 'the X probe');
    assert.equal(reply(d, 'M80300000,4:0102'), 'E22', 'length mismatch');
    assert.equal(reply(d, 'M10000000,1:41'), 'E14', 'not RAM');
  });

  it('places Z0/Z1 breakpoints and Z2..Z4 watchpoints; refuses bad ones', () => {
    assert.equal(reply(d, 'Z0,802000a4,2'), 'OK');
    assert.equal(reply(d, 'Z1,802000a6,2'), 'OK');
    assert.equal(reply(d, 'z0,802000a4,2'), 'OK');
    assert.equal(reply(d, 'Z2,80201000,8'), 'OK');
    assert.equal(reply(d, 'Z3,80201000,4'), 'OK');
    assert.equal(reply(d, 'Z4,80201000,1'), 'OK');
    assert.equal(reply(d, 'z2,80201000,8'), 'OK');
    assert.equal(reply(d, 'Z2,80201000,0'), 'E22', 'a zero-length watch');
    assert.equal(reply(d, 'Z2,80201000,100000'), 'E22', 'longer than 4096');
    assert.equal(reply(d, 'Z5,80201000,4'), 'E22');
    assert.equal(reply(d, 'Z0,zz,2'), 'E22');
  });

  it('selects threads with H and checks them with T', () => {
    assert.equal(reply(d, 'Hgp1.2'), 'OK');
    assert.equal(reply(d, 'Hg2'), 'OK');
    assert.equal(reply(d, 'Hgp1.3'), 'E22', 'no vCPU 2');
    assert.equal(reply(d, 'Hgp2.1'), 'E22', 'no process 2');
    assert.equal(reply(d, 'Hc-1'), 'OK');
    assert.equal(reply(d, 'Hx1'), 'E22');
    assert.equal(reply(d, 'Tp1.2'), 'OK');
    assert.equal(reply(d, 'Tp1.9'), 'E01');
  });

  it('serves the target description annexes and refuses unknown ones', () => {
    assert.equal(reply(d, 'qXfer:features:read:target.xml:0,10'), 'm' + targetAnnex('target.xml')!.slice(0, 16));
    const full = targetAnnex('riscv-csr.xml')!;
    for (const csr of ['hstatus', 'hgatp', 'vsatp', 'vsstatus', 'htinst', 'mstatus', 'sstatus', 'satp']) assert.match(full, new RegExp(`name="${csr}"`));
    assert.equal(reply(d, 'qXfer:features:read:nope.xml:0,10'), 'E00');
    assert.equal(reply(d, 'qXfer:features:read:target.xml'), 'E22');
    assert.match(targetAnnex('riscv-64bit-virtual.xml')!, /name="priv"[^]*name="virt"/);
  });

  it('answers monitor commands, vCont? and unknown or garbage packets', () => {
    assert.match(monitor(d, 'help'), /translate ADDR/);
    assert.match(monitor(d, 'info vcpus'), /^vCPU 0: runnable pc=0x80200000/);
    assert.match(monitor(d, 'translate 0x80200000'), /GPA 0x80200000/);
    assert.match(monitor(d, 'info exits'), /VM-EXIT/);
    assert.match(monitor(d, 'translate ('), /^error: /);
    assert.match(monitor(d, 'frobnicate'), /^unknown command 'frobnicate'/);
    assert.equal(reply(d, 'qRcmd,zz'), 'E22');
    // Output of any length goes out in O packets before the OK (the session splits it).
    assert.deepEqual(Object.keys(d.handle('qRcmd,' + toHex('info exits'))).sort(), ['console', 'reply']);
    assert.equal(reply(d, 'vCont?'), 'vCont;c;C;s;S');
    assert.equal(reply(d, 'vCont;x'), 'E22');
    assert.equal(reply(d, 'vCont;s:p1.9'), 'E22');
    assert.equal(reply(d, 'qFrobnicate'), '');
    assert.equal(reply(d, '\u00ff\u00fe'), '');
    assert.equal(reply(d, ''), '');
  });

  it('steps one instruction with vCont;s and continues to a breakpoint with vCont;c', async () => {
    const step = d.handle('vCont;s:p1.1;c:p1.-1');
    assert.deepEqual(step, { resume: { step: 0 } });
    assert.equal(await d.resume({ step: 0 }), 'T05thread:p1.1;');
    assert.equal(reply(d, 'p20'), '0400208000000000', 'pc after csrw sie,zero');
    reply(d, 'Z0,802000a4,2');
    assert.deepEqual(d.handle('vCont;c:p1.-1'), { resume: {} });
    assert.equal(await d.resume({}), 'T05thread:p1.1;');
    assert.equal(reply(d, 'p20'), 'a400208000000000', 'stopped at main');
  });

  it('resumes only the threads vCont names, as gdb\'s scheduler-locking expects (QEMU 7.2: vCont;c:p1.2 runs CPU 1 alone)', () => {
    // RSP "vCont": a thread with no action stays stopped; -1 (or no thread) is every thread.
    assert.deepEqual(d.handle('vCont;c:p1.2'), { resume: { only: [1] } });
    assert.deepEqual(d.handle('vCont;c:p1.1;c:p1.2'), { resume: { only: [0, 1] } });
    assert.deepEqual(d.handle('vCont;C05:p1.2'), { resume: { only: [1] } });
    assert.deepEqual(d.handle('vCont;c:p1.2;c'), { resume: {} });
    assert.deepEqual(d.handle('vCont;c'), { resume: {} });
    assert.deepEqual(d.handle('vCont;s:p1.2;c'), { resume: { step: 1 } });
  });

  it('reports a write watchpoint before the store, at the storing instruction, with the watched address', async () => {
    // main's first instruction after the prologue stores ra at 184(sp): watch the stack word.
    reply(d, 'Z0,802000a4,2');
    await d.resume({});
    const sp = BigInt('0x' + (reply(d, 'p2').match(/../g)!.reverse().join('')));
    reply(d, 'z0,802000a4,2');
    const slot = sp - 192n + 184n;
    assert.equal(reply(d, `Z2,${slot.toString(16)},8`), 'OK');
    const r = await d.resume({});
    assert.equal(r, `T05thread:p1.1;watch:${slot.toString(16)};`);
    // gdb's RISC-V target steps over the access itself (non-steppable watchpoints), as on QEMU.
    assert.equal(reply(d, 'p20'), 'a600208000000000', 'at sd ra,184(sp), 0x802000a6');
  });

  it('reports the guest shutdown as W00', async () => {
    assert.equal(await d.resume({}), 'W00');
    assert.equal(reply(d, '?'), 'W00');
  });
});

describe('gdb stub session (acks, no-ack mode, bad input)', () => {
  let dbg: GuestDebugger;
  let out: string;
  let s: GdbSession;
  let killed = false;
  const feed = async (text: string) => {
    s.receive(Uint8Array.from(Buffer.from(text, 'latin1')));
    await new Promise((r) => setImmediate(r));
  };
  beforeEach(() => {
    dbg = launch(1);
    out = '';
    killed = false;
    s = new GdbSession(dbg, { write: (x) => { out += x; }, detached: () => undefined, kill: () => { killed = true; }, log: () => undefined });
  });
  afterEach(() => dbg.terminate());

  it('acks each packet, asks again for a corrupt one, resends on -', async () => {
    await feed('$?#3f');
    assert.equal(out, '+' + encodePacket('T05thread:1;'));
    out = '';
    await feed('$?#00');
    assert.equal(out, '-');
    out = '';
    await feed('-');
    assert.equal(out, encodePacket('T05thread:1;'), 'the last reply again');
  });

  it('stops acking after QStartNoAckMode', async () => {
    await feed('$QStartNoAckMode#b0');
    assert.equal(out, '+$OK#9a');
    out = '';
    await feed('+$?#3f');
    assert.equal(out, encodePacket('T05thread:1;'));
    out = '';
    await feed('$?#00');
    assert.equal(out, '', 'no nack in no-ack mode');
  });

  it('answers malformed and over-long packets with E22 and keeps serving', async () => {
    const bad = 'X0,1:}';
    await feed(`$${bad}#${checksum(bad).toString(16).padStart(2, '0')}`);
    assert.equal(out, '+' + encodePacket('E22'));
    out = '';
    const huge = 'M0,1:' + '0'.repeat(20000);
    await feed(`$${huge}#${checksum(huge).toString(16).padStart(2, '0')}$g#67`);
    assert.ok(out.startsWith('+' + encodePacket('E22') + '+$'), out.slice(0, 40));
  });

  it('survives random bytes', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    for (let i = 0; i < 200; i++) {
      const chunk = Array.from({ length: 64 }, rnd).map((b) => String.fromCharCode(b)).join('');
      await feed(chunk);
    }
    await feed('$?#3f');
    assert.ok(out.endsWith(encodePacket('T05thread:1;')), 'still answers after the noise');
    assert.equal(killed, false);
  });

  it('sends long monitor output in O packets that fit the packet size, then OK', async () => {
    await feed(encodePacket('qRcmd,' + toHex('help')));
    const packets = out.slice(1).match(/\$[^#]*#[0-9a-f]{2}/g)!;
    assert.ok(packets.length >= 2, out);
    assert.ok(packets.every((p) => p.length <= 0x1000 + 4));
    assert.equal(packets[packets.length - 1], '$OK#9a');
    const text = packets.slice(0, -1).map((p) => fromHex(p.slice(2, -3))).join('');
    assert.match(text, /^monitor commands:\n[^]*translate ADDR/);
  });

  it('run-length encodes long hex replies (g is mostly zeros)', async () => {
    await feed('$g#67');
    assert.ok(out.includes('*'), out);
    assert.ok(out.length < 2 + 33 * 16);
  });
});
