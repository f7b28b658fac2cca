/**
 * Live migration inside a VM's worker thread: sending the VM to a destination (`vm migrate`)
 * while its run loop goes on, and waiting for one to arrive (`vm create NAME --incoming`).
 * The stream itself is state/migrate/.
 */
import { connect, type Socket } from 'node:net';
import type { RunOptions } from '../cli/args';
import type { FileBackend } from '../devices/virtio/block/backend';
import type { Vm } from '../hypervisor/vm';
import { diskRecord, type BoardRecord } from '../machine/virt-snapshot';
import { sendVm, type MigrationReport, type SourceControl } from '../state/migrate/send';
import { MigrationError, parseMigrationAddress } from '../state/migrate/wire';

/** The board a migration describes for a VM built from run options (disks as they are now). */
export function boardOfRun(o: RunOptions): BoardRecord {
  return {
    vcpus: o.vcpus, memory: o.memory, clock: o.clock, bios: o.bios, svadu: o.svadu, virtioConsole: o.virtioConsole, rng: o.rng, balloon: o.balloon,
    disks: o.disks.map((d) => diskRecord(d.path, d.readOnly)),
  };
}

/** Connects to a destination; MigrationError (one line) when nothing listens there. */
function connectTo(to: string): Promise<Socket> {
  const { host, port } = parseMigrationAddress(to, 'the destination');
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
    const onError = (e: NodeJS.ErrnoException) => {
      reject(new MigrationError(`cannot connect to ${to}: ${e.code === 'ECONNREFUSED' ? 'nothing waits there (start the destination with --incoming)' : e.code ?? e.message}`));
    };
    s.once('error', onError);
  });
}

/**
 * Sends the VM to `to`. The VM keeps running (its run loop and this share the thread; the
 * rounds run between batches) until the final copy. Resolves with the figures once the
 * destination runs it; throws MigrationError with the VM running (or paused) as before.
 */
export async function migrateOut(vm: Vm, board: BoardRecord, disks: FileBackend[], to: string,
  hold: Pick<SourceControl, 'hold' | 'release' | 'paused'>): Promise<MigrationReport> {
  const socket = await connectTo(to);
  const ctl: SourceControl = {
    ...hold,
    detachDisks: () => { for (const d of disks) d.detach(); },
    reattachDisks: () => { for (const d of disks) d.reattach(); },
  };
  return sendVm(vm, board, socket, ctl);
}
