/**
 * `hyperscope run --incoming 127.0.0.1:PORT`: waits for the VM a daemon sends with `vm
 * migrate`, then runs it as `hyperscope run` runs a booted one (console, --stats, --timeout).
 */
import { closeSync } from 'node:fs';
import type { ConsoleSink } from '../devices/console-sink';
import { BlockImageError, FileBackend, type BlockBackend } from '../devices/virtio/block/backend';
import { listenForMigration, type IncomingListener } from '../state/migrate/listen';
import { receiveVm, type IncomingOptions, type IncomingVm } from '../state/migrate/receive';
import { MigrationError } from '../state/migrate/wire';
import type { RunOptions } from './args';
import { threadsForSnapshot, UsageError } from './args';
import { ExitStatus, openOutputFile, runVirt, type Restored } from './run-command';

/** Opens a migrated VM's disks as the source had them; an unusable image is one line. */
export function openMigratedDisks(records: { path: string; readOnly: boolean }[]): FileBackend[] {
  const opened: FileBackend[] = [];
  try {
    for (const d of records) opened.push(new FileBackend(d.path, d.readOnly));
  } catch (e) {
    for (const d of opened) d.close();
    if (e instanceof BlockImageError) throw new Error(e.message);
    throw e;
  }
  return opened;
}

/** Runs the command; resolves to the exit status. */
export async function runIncoming(o: RunOptions, address: string): Promise<number> {
  let listener: IncomingListener;
  try {
    listener = await listenForMigration(address);
  } catch (e) {
    if (e instanceof MigrationError) throw new UsageError(e.message);
    throw e;
  }
  process.stderr.write(`hyperscope: waiting for a migration on 127.0.0.1:${listener.port}\n`);
  const statsFd = o.statsJson !== undefined ? openOutputFile(o.statsJson, '--stats-json') : undefined;
  // The board is built as the stream arrives; its console is bound when runVirt has one.
  let sink: { console: (b: Uint8Array) => void; consoleSink: ConsoleSink } | undefined;
  let incoming: IncomingVm;
  let threads = 1;
  try {
    const socket = await listener.accept();
    try {
      const options: IncomingOptions = {
        console: (b) => sink?.console(b),
        consoleSink: {
          write: (b) => sink?.consoleSink.write(b) ?? true,
          onceDrained: (f) => (sink ? sink.consoleSink.onceDrained(f) : queueMicrotask(f)),
        },
        idleSleep: true, jit: o.jit,
        openDisks: openMigratedDisks,
        // --threads N: checked against the migrated VM's vCPUs, clock and firmware; RAM shared with the vCPU threads.
        checkBoard: (board) => {
          try {
            threads = threadsForSnapshot(o.threads, board);
          } catch (e) {
            // Refused in the handshake: the source VM runs on where it was.
            if (e instanceof UsageError) throw new MigrationError(e.message.replace("the snapshot's", "the migrated VM's"));
            throw e;
          }
          options.sharedMemory = threads > 1;
        },
      };
      incoming = await receiveVm(socket, options);
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      process.stderr.write(`hyperscope: the incoming migration failed: ${e.message}\n`);
      if (statsFd !== undefined) closeSync(statsFd);
      return ExitStatus.INCOMING_FAILED;
    }
  } finally {
    listener.close();
  }
  process.stderr.write(`hyperscope: the VM arrived (${incoming.pages} pages in ${incoming.rounds} rounds); running it\n`);
  const restored: Restored = {
    board: incoming.board,
    make: (c) => {
      sink = c;
      return incoming.vm;
    },
  };
  try {
    return await runVirt({ ...o, vcpus: incoming.board.vcpus, clock: incoming.board.clock, threads }, new Uint8Array(0), undefined, [], statsFd, undefined, restored);
  } finally {
    for (const d of incoming.disks) d.close();
    if (statsFd !== undefined) closeSync(statsFd);
  }
}
