/**
 * gdb-multiarch against `hyperscope run samples/hello/hello.elf --gdb`: the same session as
 * on `qemu-system-riscv64 -M virt -smp 2 -s -S`, expected lines from gdb on QEMU 7.2 (see
 * README.md here for the commands and the differences that are the machines', not the stub's).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { MiGdb, requireGdb, ROOT, runGdb, startStub, Stub, stopStub } from './gdb-harness';

const HELLO = join(ROOT, 'samples', 'hello', 'hello.elf');

describe('gdb stub: gdb-multiarch on the hello sample', function () {
  this.timeout(90_000);
  let stub: Stub | undefined;
  before(function () { requireGdb(this); });
  afterEach(() => { stopStub(stub); stub = undefined; });

  it('breaks on main, shows the frame, threads, disassembly, steps, reads priv and memory', async () => {
    stub = await startStub([HELLO, '--vcpus', '2']);
    const g = await runGdb(HELLO, stub.port, [
      'break main', 'continue', 'bt', 'info threads', 'x/2i $pc', 'stepi', 'p $pc', 'info registers priv',
      'x/4xb 0x80200000', 'p $virt', 'p/x ((unsigned long)$hgatp) >> 60', 'kill',
    ]);
    const out = g.stdout;
    // Before the first instruction: QEMU stops at its reset vector 0x1000 (OpenSBI runs first);
    // the hypervisor is the firmware here, so the guest's own entry point comes first.
    assert.match(out, /^_start \(\) at common\/crt0\.S:\d+$/m);
    assert.match(out, /^Breakpoint 1 at 0x802000a4: file hello\/hello\.c, line 88\.$/m);
    // QEMU: "main (hartid=1, dtb=0x82200000)": OpenSBI's boot-hart lottery and its FDT address.
    assert.match(out, /^Thread 1 hit Breakpoint 1, main \(hartid=0, dtb=0x[0-9a-f]+\) at hello\/hello\.c:88$/m);
    assert.match(out, /^#0  main \(hartid=0, dtb=0x[0-9a-f]+\) at hello\/hello\.c:88$/m);
    assert.match(out, /^\* 1    Thread 1\.1 \(vCPU 0 \[running\]\) main \(hartid=0, dtb=0x[0-9a-f]+\) at hello\/hello\.c:88$/m);
    assert.match(out, /^  2    Thread 1\.2 \(vCPU 1 \[halted\]\)/m);
    assert.match(out, /^=> 0x802000a4 <main>:\tadd\tsp,sp,-192\n   0x802000a6 <main\+2>:\tsd\tra,184\(sp\)$/m);
    assert.match(out, /^0x00000000802000a6\t88\t/m); // QEMU's run had no sources: "in hello/hello.c"

    assert.match(out, /^\$1 = \(void \(\*\)\(\)\) 0x802000a6 <main\+2>$/m);
    assert.match(out, /^priv\s+0x1\tprv:1 \[Supervisor\]$/m);
    assert.match(out, /^0x80200000 <_start>:\t0x73\t0x10\t0x40\t0x10$/m);
    // Not on QEMU (the stub's own): V = 1 in a guest, and the G-stage mode (Sv39x4 = 8).
    assert.match(out, /^\$2 = 1$/m);
    assert.match(out, /^\$3 = 0x8$/m);
    assert.match(out, /^\[Inferior 1 \(process 1\) killed\]$/m);
    assert.equal(await stub.exited, 0, stub.stderr());
  });

  it('stops on a write watchpoint after the store with old and new values, as on QEMU', async () => {
    stub = await startStub([HELLO, '--stats']);
    const g = await runGdb(HELLO, stub.port, ['watch console_mode', 'continue', 'p console_mode', 'p $pc', 'delete', 'continue']);
    const out = g.stdout;
    assert.match(out, /^Hardware watchpoint 1: console_mode$/m);
    // QEMU: "New value = 1", OpenSBI 1.1 has no debug console (legacy putchar); the hypervisor's
    // SBI 2.0 has DBCN (2). QEMU's buf is 0x802097c0: its boot hart 1 has the next stack.
    assert.match(out, /^Old value = 0\nNew value = 2$/m);
    assert.match(out, /^console_write \(buf=buf@entry=0x80[0-9a-f]{2}57c0 "Hello from a Hyperscope guest!\\n", n=31\) at common\/console\.c:42$/m);
    assert.match(out, /^\$2 = \(void \(\*\)\(\)\) 0x802005d6 <console_write\+58>$/m);
    // The guest runs to its SBI shutdown: gdb hears the exit, the command ends with status 0.
    assert.match(out, /^\[Inferior 1 \(process 1\) exited normally\]$/m);
    assert.equal(await stub.exited, 0, stub.stderr());
    assert.match(stub.stdout(), /^Hello from a Hyperscope guest!$/m);
    assert.match(stub.stderr(), /VM-EXIT\s+Samples\s+Samples%/, '--stats works under --gdb too');
  });

  it('switches gdb memory to guest-physical with Qqemu.PhyMemMode and answers monitor commands', async () => {
    stub = await startStub([HELLO]);
    const g = await runGdb(HELLO, stub.port, [
      'maintenance packet qqemu.PhyMemMode', 'maintenance packet Qqemu.PhyMemMode:1', 'x/4xb 0x80200000',
      'maintenance packet Qqemu.PhyMemMode:0', 'monitor help', 'monitor info vcpus', 'monitor translate 0x80200000',
      'monitor info exits', 'monitor info version', 'kill',
    ]);
    const out = g.stdout + g.stderr;
    // QEMU 7.2 answers the same three packets "0", "OK" and reads the same bytes.
    assert.match(out, /^sending: qqemu\.PhyMemMode\nreceived: "0"$/m);
    assert.match(out, /^sending: Qqemu\.PhyMemMode:1\nreceived: "OK"$/m);
    assert.match(out, /^0x80200000 <_start>:\t0x73\t0x10\t0x40\t0x10$/m);
    assert.match(out, /^  translate ADDR /m);
    assert.match(out, /^vCPU 0: runnable pc=0x80200000 <_start> VS instret=0$/m);
    assert.match(out, /^GVA 0x80200000: VS stage bare$/m);
    assert.match(out, /^GPA 0x80200000$/m);
    assert.match(out, /VM-EXIT\s+Samples/);
    assert.match(out, /^hyperscope [\d.]+ gdbstub$/m);
  });

  it('interrupts a running guest with Ctrl-C (SIGINT to gdb, 0x03 to the stub)', async () => {
    const elf = join(ROOT, 'samples', 'cpu-bound', 'cpu-bound.elf');
    // Interpreted (about 2 s): translated, the whole sample ends in about 0.15 s, racing the Ctrl-C.
    stub = await startStub([elf, '--no-jit']);
    const s = stub;
    // The guest's first line shows it runs, so gdb waits in `continue` with its Ctrl-C handler set.
    const g = await runGdb(elf, s.port, ['continue', 'info registers priv', 'p $pc != 0x80200000', 'kill'], (interrupt) => {
      const poll = setInterval(() => { if (/cpu-bound: \d+ rounds/.test(s.stdout())) { clearInterval(poll); interrupt(); } }, 20);
    });
    // gdb on QEMU prints the same two lines for Ctrl-C.
    assert.match(g.stdout, /^Program received signal SIGINT, Interrupt\.$/m, g.stdout + g.stderr);
    assert.match(g.stdout, /^priv\s+0x1\tprv:1 \[Supervisor\]$/m);
    assert.match(g.stdout, /^\$1 = 1$/m);
  });

  it("serves gdb's MI as an IDE drives it (cpptools: -target-select remote, breakpoints, threads, next)", async () => {
    stub = await startStub([HELLO, '--vcpus', '2']);
    const mi = new MiGdb();
    try {
      await mi.run(`-file-exec-and-symbols ${HELLO}`, /^\^done/);
      await mi.run(`-target-select remote 127.0.0.1:${stub.port}`, /^\^connected/);
      assert.match(await mi.run('-break-insert main', /^\^done,bkpt=/), /addr="0x00000000802000a4",func="main",file="hello\/hello\.c".*line="88"/);
      await mi.run('-exec-continue', /^\^running/);
      const stop = await mi.run('', /^\*stopped/);
      assert.match(stop, /reason="breakpoint-hit".*func="main",args=\[\{name="hartid",value="0"\},\{name="dtb",value="0x[0-9a-f]+"\}\].*thread-id="1",stopped-threads="all"/);
      const threads = await mi.run('-thread-info', /^\^done,threads=/);
      assert.match(threads, /\{id="1",target-id="Thread 1\.1",details="vCPU 0 \[running\]".*\{id="2",target-id="Thread 1\.2",details="vCPU 1 \[halted\]"/);
      const names = await mi.run('-data-list-register-names', /^\^done,register-names=/);
      for (const r of ['pc', 'ft0', 'fcsr', 'priv', 'virt', 'sstatus', 'hstatus', 'hgatp', 'vsatp', 'mstatus']) assert.ok(names.includes(`"${r}"`), r);
      await mi.run('-exec-next', /^\^running/);
      assert.match(await mi.run('', /^\*stopped/), /reason="end-stepping-range".*func="main".*line="89"/);
      assert.match(await mi.run('-data-read-memory-bytes 0x80200000 8', /^\^done,memory=/), /contents="7310401073100014"/);
    } finally {
      mi.close();
    }
  });

  it('refuses a second gdb while one is attached, and says so', async () => {
    stub = await startStub([HELLO]);
    const first = runGdb(HELLO, stub.port, ['shell sleep 2', 'kill']);
    await new Promise((r) => setTimeout(r, 800)); // let the first one attach (a guard, not a measurement)
    const second = await runGdb(HELLO, stub.port, []);
    assert.match(second.stderr, /another gdb is attached/, second.stderr);
    await first;
    assert.match(stub.stderr(), /refused a second connection from 127\.0\.0\.1:\d+: one debugger at a time/);
  });
});
