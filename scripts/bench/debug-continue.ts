/**
 * The debugger's speed against a run without it: from a stop at `start_kernel`, continue to
 * the first `ksys_write` (busybox's first write) of the Linux sample, once over DAP (the debug
 * adapter with vmlinux's symbols, function breakpoints, as VS Code drives it) and once as a
 * plain VM run in this process with a hart breakpoint at the same address (what `hyperscope
 * run` executes, without the debugger). Realtime clock, 1 vCPU, translation on, both.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { bootVirt } from '../../hypervisor-core/machine/virt-board';

/** Seconds (wall) and, where this process measures it, CPU seconds of one continue. */
interface Timing { wall: number; cpu: number }

/** Over DAP: launch, stop at start_kernel, set ksys_write, continue; returns the continue's time and the two addresses. */
async function overDap(root: string, vmlinux: string): Promise<{ t: Timing; start: bigint; write: bigint }> {
  const linux = path.join(root, 'samples', 'linux');
  const dc = new DebugClient('node', path.join(root, 'dist', 'debug-adapter.js'), 'hyperscope');
  dc.defaultTimeout = 300_000;
  await dc.start();
  try {
    const first = dc.waitForEvent('stopped', 300_000);
    const initialized = dc.waitForEvent('initialized');
    await dc.initializeRequest();
    await dc.launch({ program: path.join(linux, 'Image'), initrd: path.join(linux, 'initramfs.cpio.gz'), args: 'console=ttyS0', symbols: [{ path: vmlinux }] });
    await initialized;
    const s = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] });
    await dc.configurationDoneRequest();
    await first;
    const w = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ksys_write' }] });
    const next = dc.waitForEvent('stopped', 300_000);
    const t0 = performance.now();
    await dc.continueRequest({ threadId: 1 });
    await next;
    const wall = (performance.now() - t0) / 1000;
    return { t: { wall, cpu: NaN }, start: BigInt(s.body.breakpoints[0].instructionReference!), write: BigInt(w.body.breakpoints[0].instructionReference!) };
  } finally {
    await dc.stop();
  }
}

/** The VM alone, in this process: run to start_kernel, then time the run on to ksys_write. */
function plainRun(root: string, start: bigint, write: bigint): Timing {
  const linux = path.join(root, 'samples', 'linux');
  const { vm } = bootVirt({ kernel: readFileSync(path.join(linux, 'Image')), initrd: readFileSync(path.join(linux, 'initramfs.cpio.gz')),
    bootargs: 'console=ttyS0', vcpus: 1, memory: 128 << 20, clock: 'realtime', console: () => undefined });
  const h = vm.vcpus[0].hart;
  const lo = (a: bigint) => Number(BigInt.asIntN(32, a)), hi = (a: bigint) => Number(BigInt.asIntN(32, a >> 32n));
  const runTo = (addr: bigint): void => {
    h.addBreakpoint(lo(addr), hi(addr));
    for (let i = 0; i < 100_000; i++) {
      const stop = vm.runFor(200_000);
      if (stop?.kind === 'breakpoint') break;
      if (stop && stop.kind !== 'idle') throw new Error(`the run stopped: ${stop.kind}`);
    }
    h.clearBreakpoints();
    h.resumeFromBreakpoint = true;
  };
  runTo(start);
  const t0 = performance.now(), c0 = process.cpuUsage();
  runTo(write);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** Prints the row: DAP continue and the plain run, or nothing when the Linux sample or xz is absent. */
export async function debugContinue(root: string): Promise<void> {
  const xz = path.join(root, 'samples', 'linux', 'vmlinux.xz');
  if (!existsSync(xz)) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-bench-vmlinux-'));
  try {
    const vmlinux = path.join(dir, 'vmlinux');
    const fd = openSync(vmlinux, 'w');
    const r = spawnSync('xz', ['-dc', xz], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    if (r.status !== 0) return;
    const dap = await overDap(root, vmlinux);
    const plain = plainRun(root, dap.start, dap.write);
    console.log('\nDebugger: continue from start_kernel to the first ksys_write (Linux sample, 1 vCPU, realtime), seconds');
    console.log('what'.padEnd(46) + 'wall'.padStart(9) + 'CPU s'.padStart(8));
    console.log('DAP continue (debug adapter, vmlinux symbols)'.padEnd(46) + dap.t.wall.toFixed(2).padStart(9) + '-'.padStart(8));
    console.log('the same VM run without the debugger'.padEnd(46) + plain.wall.toFixed(2).padStart(9) + plain.cpu.toFixed(2).padStart(8));
    console.log(`ratio (wall): ${(dap.t.wall / plain.wall).toFixed(1)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
