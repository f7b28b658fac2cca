/**
 * The debug session of DAP `attach`, inside the worker of a daemon VM (the DebugHost of
 * hypervisor-core/serve/debug-host.ts): a HyperscopeSession whose `attach` borrows the VM from
 * the worker's run loop and whose disconnect gives it back, running (or shut off, when the
 * client asks to terminate the debuggee). While the debugger holds the VM the daemon shows it
 * paused when stopped and running when it runs, and its console still fills the daemon's log.
 */
import { dirname, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { GuestDebugger, StopEvent } from '../hypervisor-core/debug/guest-debugger';
import type { DebugConnection, DebugHost, DebugLink, LentVm } from '../hypervisor-core/serve/debug-host';
import { HyperscopeSession } from './session';

/** How a session in the daemon takes its VM over and gives it back (what HyperscopeSession needs). */
export interface AttachTarget {
  /** Takes the VM over; resolves once the owner's run loop let go of it. */
  attach(args: Record<string, unknown>): Promise<GuestDebugger>;
  /** Gives the VM back: running, or shut off when `terminate`. */
  detach(d: GuestDebugger, terminate: boolean): void;
}

/** The debugger of an attached VM, made from what the worker lent. */
function attachDebugger(lent: LentVm): GuestDebugger {
  const o = lent.options;
  const programPath = resolve(o.kernel);
  return GuestDebugger.attach(lent.vm, {
    kernel: new Uint8Array(0), // the VM is booted already: only restart would read it, and restart is refused
    programPath, vcpus: o.vcpus, memory: o.memory, clock: o.clock, cwd: dirname(programPath), sched: lent.sched,
  }, lent.elf);
}

/** The DebugHost that `debug-adapter/daemon-vm-worker.ts` registers: one DAP session per connection. */
export const dapAttachHost: DebugHost = (link: DebugLink): DebugConnection => {
  let held: GuestDebugger | undefined;
  let done = false;
  const giveBack = (d: GuestDebugger, terminate: boolean) => {
    if (held !== d) return;
    held = undefined;
    const end = terminate ? 'terminate' : d.endStop;
    link.onConsole(undefined);
    d.detach();
    link.giveBack({ end });
  };
  const target: AttachTarget = {
    attach: async () => {
      if (held) throw new Error('this session holds the VM already');
      const d = attachDebugger(await link.borrow());
      held = d;
      link.onConsole((bytes) => d.guestOutput(bytes));
      // The daemon's state follows the debugger: stopped is paused, a run is running.
      d.on('stopped', (e: StopEvent) => link.setState('paused', `stopped in the debugger (${e.description})`));
      d.on('stats', () => { if (d.state === 'running') link.setState('running', 'continued in the debugger'); });
      return d;
    },
    detach: (d, terminate) => {
      giveBack(d, terminate);
      // The disconnect answer goes out first (this runs inside its request): then the connection ends.
      setImmediate(() => end());
    },
  };
  const input = new PassThrough();
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      link.send(new Uint8Array(chunk));
      cb();
    },
  });
  const session = new HyperscopeSession(target);
  session.setRunAsServer(true); // its shutdown must not end the worker (and with it the VM)
  session.start(input, output);
  const end = () => {
    if (done) return;
    done = true;
    void session.dispose().finally(() => link.close());
  };
  return {
    input: (bytes) => { if (!done) input.write(bytes); },
    close: () => end(),
  };
};
