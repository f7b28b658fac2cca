/**
 * The destination side of a live migration: takes one connection, checks the handshake,
 * builds the board the source describes (its disks must be the same image files: shared
 * storage, as QEMU migrates a VM whose disk both hosts see), writes the pages as they come,
 * restores the state, takes the disks over once the source has released them, and hands
 * the VM back to run. Anything malformed, missing or refused is a MigrationError of one
 * line, sent to the source as well so it runs on.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Socket } from 'node:net';
import type { BlockBackend } from '../../devices/virtio/block/backend';
import type { Vm } from '../../hypervisor/vm';
import { restoreVm, shapeMismatch, usedHostMemory } from '../../hypervisor/vm-state';
import { boardOf, boardOptions, type BoardRecord, type DiskRecord } from '../../machine/virt-snapshot';
import { createVirtBoard, type BoardOptions } from '../../machine/virt-board';
import { obj, StateError, type Saved } from '../persist';
import { LateBackend } from './late-backend';
import { applyPages, frame, FrameKind, FrameReader, MigrationError, parseHello, parseJsonPayload, send } from './wire';

/** How the destination builds the board (what is not the source's to say: the console, the JIT). */
export interface IncomingOptions extends Omit<BoardOptions, 'vcpus' | 'memory' | 'clock' | 'bios' | 'svadu' | 'disks' | 'virtioConsole' | 'rng' | 'balloon'> {
  /** Opens the migrated VM's disks once the source released them; throws a one-line Error when it cannot. */
  openDisks(disks: DiskRecord[]): BlockBackend[];
  /** Looks at the source's board before the VM is built (it may set `sharedMemory` for vCPU threads). */
  checkBoard?(board: BoardRecord): void;
}

/** A VM that arrived, ready to run. */
export interface IncomingVm {
  vm: Vm;
  board: BoardRecord;
  /** The disks opened for it (the caller closes them when the VM ends). */
  disks: BlockBackend[];
  rounds: number;
  pages: number;
  /** The VM was paused at the source: it stays paused here until resumed (libvirt's default). */
  paused: boolean;
}

/** Why the disk in `d` is not the same file here (one line), or null. */
function sharedDiskProblem(d: DiskRecord): string | null {
  let st;
  try {
    st = statSync(d.path);
  } catch {
    return `the source's disk image '${d.path}' does not exist here (migration needs the same image at the same path)`;
  }
  if (st.dev !== d.dev || st.ino !== d.ino) return `'${d.path}' here is another file than the source's disk image (migration needs shared storage)`;
  if (st.size !== d.size) return `the disk image '${d.path}' has ${st.size} bytes here, ${d.size} at the source`;
  return null;
}

/** Receives one VM on `socket`. */
export async function receiveVm(socket: Socket, o: IncomingOptions): Promise<IncomingVm> {
  const reader = new FrameReader(socket);
  const refuse = async (message: string): Promise<never> => {
    try {
      await send(socket, frame(FrameKind.REFUSE, Buffer.from(message, 'utf8')));
      socket.end();
    } catch {
      // the source is gone already: the line below is all that is left to say
    }
    throw new MigrationError(message);
  };
  let vm: Vm;
  let board: BoardRecord;
  const late: LateBackend[] = [];
  try {
    const hello = parseHello(await reader.expect(FrameKind.HELLO, 'the handshake')) as Saved;
    try {
      board = boardOf(hello);
    } catch (e) {
      if (e instanceof StateError) throw new MigrationError(`the migration stream is corrupt (the board: ${e.message})`);
      throw e;
    }
    if (!(Number.isSafeInteger(board.vcpus) && board.vcpus >= 1 && board.vcpus <= 64)) throw new MigrationError('the migration stream is corrupt (the vCPU count)');
    if (!(Number.isSafeInteger(board.memory) && board.memory > 0 && board.memory <= 2 ** 32 && board.memory % 4096 === 0)) {
      throw new MigrationError('the migration stream is corrupt (the memory size)');
    }
    for (const d of board.disks) {
      const why = sharedDiskProblem(d);
      if (why) return await refuse(why);
      late.push(new LateBackend(d.size, d.readOnly, basename(d.path).slice(0, 20)));
    }
    o.checkBoard?.(board);
    vm = createVirtBoard(boardOptions(o, board, late));
    if (obj(hello, 'handshake').hostSize !== vm.host.size) return await refuse('the source VM\'s host memory has another size than this Hyperscope builds');
    // Fresh host memory is zero past what building the board used: zeroing all of it would
    // commit the guest's whole RAM on the host for nothing.
    usedHostMemory(vm).fill(0);
  } catch (e) {
    if (e instanceof MigrationError) {
      if (!socket.destroyed && !/stream ended|stalled|connection/.test(e.message)) return await refuse(e.message);
      throw e;
    }
    throw e;
  }
  await send(socket, frame(FrameKind.ACCEPT));

  let rounds = 0;
  let pages = 0;
  let paused = false;
  try {
    for (;;) {
      const f = await reader.next('pages or the VM state');
      if (f.kind === FrameKind.PAGES) {
        pages += applyPages(f.payload, vm.host.bytes);
      } else if (f.kind === FrameKind.ROUND_END) {
        rounds++;
      } else if (f.kind === FrameKind.STATE) {
        const payload = obj(parseJsonPayload(f.payload, 'the VM state') as Saved, 'state');
        const state = payload.vm ?? null;
        paused = payload.paused === true;
        const why = shapeMismatch(vm, state);
        if (why) return await refuse(`the VM state does not fit its board: ${why}`);
        restoreVm(vm, state);
        break;
      } else if (f.kind === FrameKind.REFUSE) {
        throw new MigrationError(f.payload.toString('utf8').slice(0, 500));
      } else {
        return await refuse('the migration stream is out of order');
      }
    }
  } catch (e) {
    if (e instanceof StateError) return await refuse(`the migration stream is corrupt (the VM state: ${e.message})`);
    if (e instanceof RangeError) return await refuse(`the migration stream is corrupt (${e.message})`);
    if (e instanceof MigrationError && !socket.destroyed && /corrupt/.test(e.message)) return await refuse(e.message);
    throw e;
  }
  await send(socket, frame(FrameKind.RESTORED));
  await reader.expect(FrameKind.GO, 'the source to hand over the disks');
  let disks: BlockBackend[];
  try {
    disks = o.openDisks(board.disks);
  } catch (e) {
    return await refuse(`cannot take over the disks: ${(e as Error).message}`);
  }
  disks.forEach((d, i) => late[i].attach(d));
  await send(socket, frame(FrameKind.RUNNING));
  socket.end();
  return { vm, board, disks, rounds, pages, paused };
}
