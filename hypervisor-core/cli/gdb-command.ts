/**
 * `hyperscope run KERNEL --gdb PORT`: the guest under the debug facade, stopped before its
 * first instruction, with a gdb remote stub on 127.0.0.1:PORT (QEMU's `-s -S`). The console
 * stays on stdin/stdout; the run ends when the guest shuts down, gdb kills it, Ctrl-C or
 * Ctrl-A x, or --timeout.
 */
import { GuestDebugger } from '../debug';
import { KernelFormatError } from '../machine/loaders/kernel';
import type { FileBackend } from '../devices/virtio/block/backend';
import { GdbServer } from '../gdb';
import type { Vm } from '../hypervisor/vm';
import { RunOptions, UsageError } from './args';
import { attachStdin, StdoutSink } from './console-io';

/** Exit statuses shared with run-command.ts. */
const STATUS = { OK: 0, VM_ERROR: 3, TIMEOUT: 124, SIGPIPE: 141 } as const;

/** Runs the guest for gdb; resolves to the process exit status and the VM it ended with (for --stats). */
export async function runWithGdb(o: RunOptions, kernel: Uint8Array, initrd: Uint8Array | undefined, disks: FileBackend[]):
  Promise<{ status: number; vm: Vm }> {
  let dbg: GuestDebugger;
  try {
    dbg = GuestDebugger.launch({
      kernel, programPath: o.kernel, initrd, bootargs: o.append, vcpus: o.vcpus, memory: o.memory, clock: o.clock,
      cwd: process.cwd(), disks, rng: o.rng, svadu: o.svadu, virtioConsole: o.virtioConsole, jit: o.jit, threads: o.threads,
    });
  } catch (e) {
    if (e instanceof KernelFormatError) throw new UsageError(`${o.kernel}: ${e.message}`);
    throw e;
  }
  const log = (line: string) => {
    stdout.flush(); // the guest's output up to here comes first
    process.stderr.write(`hyperscope: ${line}\n`);
  };
  let finish!: (status: number) => void;
  const done = new Promise<number>((r) => { finish = r; });
  let status: number | undefined;
  const end = (s: number) => {
    if (status !== undefined) return;
    status = s;
    dbg.terminate();
    finish(s);
  };
  const stdout = new StdoutSink((code) => {
    if (code !== null) log(`cannot write the guest console to stdout: ${code}`);
    end(code === null ? STATUS.SIGPIPE : STATUS.VM_ERROR);
  });
  dbg.on('output', (text: string) => stdout.write(Buffer.from(text, 'utf8')));
  dbg.on('exited', (code: number) => { if (status === undefined) { status = code; finish(code); } });
  dbg.on('stopped', (e: { fatal?: string; description: string; text?: string }) => {
    if (e.fatal) log(e.fatal); // gdb sees a SIGTRAP stop; the user learns why here
  });

  let server: GdbServer;
  try {
    server = await GdbServer.listen(dbg, o.gdb!, { log, kill: () => end(STATUS.OK) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code ?? (e as Error).message;
    throw new UsageError(`--gdb ${o.gdb}: cannot listen on 127.0.0.1:${o.gdb}: ${why}`);
  }
  log(`waiting for gdb on 127.0.0.1:${server.port} (target remote 127.0.0.1:${server.port})`);

  const stdin = attachStdin(() => dbg.vm.input, () => end(STATUS.OK));
  const onSigint = () => end(STATUS.OK);
  process.on('SIGINT', onSigint);
  const timer = o.timeout !== undefined ? setTimeout(() => { log('timeout'); end(STATUS.TIMEOUT); }, o.timeout * 1000) : undefined;
  try {
    return { status: await done, vm: dbg.vm };
  } finally {
    if (timer) clearTimeout(timer);
    stdin.detach();
    process.off('SIGINT', onSigint);
    await server.close();
  }
}
