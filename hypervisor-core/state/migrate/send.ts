/**
 * The source side of a live migration (pre-copy, as QEMU's RAM migration and KVM's dirty
 * log do it): with the dirty log on, every non-zero host page goes over while the guest
 * runs; then, round after round, the pages the guest wrote meanwhile; once a round leaves few
 * pages dirty (or after MAX_ROUNDS), the VM is held between two scheduler slices, the last
 * dirty pages, the hypervisor's own pages (G-stage tables) and the VM's state (the snapshot
 * format's sections) go over, and the destination resumes it. The downtime is the time the
 * VM is held until the destination says it runs.
 *
 * Pages are host pages, as in a snapshot: the destination gets the same host memory layout
 * (allocator, guest page backing, G-stage tables) and the state that describes it.
 */
import type { Socket } from 'node:net';
import { PAGE_SIZE } from '../../memory/address';
import type { Vm } from '../../hypervisor/vm';
import { saveVm, usedHostMemory } from '../../hypervisor/vm-state';
import { nonZeroPages } from '../snapshot-file';
import { FrameKind, FrameReader, frame, helloPayload, jsonPayload, MigrationError, PAGES_PER_FRAME, pagesPayload, send } from './wire';

/** Rounds of dirty pages before the VM is stopped whatever is left (QEMU gives up on convergence too). */
export const MAX_ROUNDS = 30;
/** A round that leaves at most this many dirty pages ends the pre-copy (1 MiB). */
export const FEW_DIRTY_PAGES = 256;

/** What a migration did, for the client. */
export interface MigrationReport {
  /** Pre-copy rounds, the first (every page) included; the final copy while stopped is not counted. */
  rounds: number;
  /** Host pages sent, all rounds and the final copy. */
  pagesSent: number;
  /** Bytes on the wire. */
  bytesSent: number;
  /** From the start of the migration to the destination's "running", in ms. */
  totalMs: number;
  /** From the VM's stop to the destination's "running", in ms. */
  downtimeMs: number;
  /** Pages dirty at the stop (sent with the state). */
  finalDirtyPages: number;
}

/** What the source's owner does for the migration (the VM runs in its run loop meanwhile). */
export interface SourceControl {
  /**
   * Holds the VM from its next batch on (between two scheduler slices); no instruction retires.
   * A VM on vCPU threads is held once the promise resolves (every thread parked, each vCPU's state back).
   */
  hold(): void | Promise<void>;
  /** Lets a held VM run again (the migration failed). */
  release(): void;
  /** Whether the user paused the VM (the destination keeps it paused, as libvirt keeps a paused domain paused). */
  paused?(): boolean;
  /** Flushes and closes the VM's disk images, releasing their locks for the destination. */
  detachDisks(): void;
  /** Opens them again (the destination could not take over). */
  reattachDisks(): void;
}

/** Lets the run loop run a batch (the pre-copy rounds run between batches). */
function yieldToVm(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Sends `vm`, built from `board` (the snapshot's board record), over `socket` to a
 * destination waiting with `--incoming`. Resolves with the figures once the destination runs
 * it: the caller ends the source VM. Throws MigrationError (one line) when the stream breaks
 * or the destination refuses; the VM then runs on as before.
 */
export async function sendVm(vm: Vm, board: unknown, socket: Socket, ctl: SourceControl): Promise<MigrationReport> {
  const started = performance.now();
  const reader = new FrameReader(socket);
  let bytesSent = 0;
  let pagesSent = 0;
  const out = async (b: Buffer) => {
    bytesSent += b.length;
    await send(socket, b);
  };
  await out(frame(FrameKind.HELLO, helloPayload({ board, hostSize: vm.host.size })));
  await reader.expect(FrameKind.ACCEPT, "the destination's answer to the handshake");

  const hostPages = vm.host.size / PAGE_SIZE;
  // What each host page held when it was last sent: guest page index + 1, -1 for a page of the
  // hypervisor's own (tables), 0 never sent. A host page that backs another guest page now
  // (populated or reused since) must go again even if the guest never wrote it.
  const sentAs = new Float64Array(hostPages);
  /** Guest page index -> host page index, or -1 when not populated. */
  const backingNow = (): Float64Array => {
    const m = new Float64Array(vm.ram.size / PAGE_SIZE).fill(-1);
    for (const [g, hpa] of vm.ram.save()) m[g] = (hpa - vm.host.base) / PAGE_SIZE;
    return m;
  };
  const sendPages = async (pages: number[], backing: Float64Array, between: boolean) => {
    const owner = new Map<number, number>();
    backing.forEach((h, g) => { if (h >= 0) owner.set(h, g); });
    for (let i = 0; i < pages.length; i += PAGES_PER_FRAME) {
      const batch = pages.slice(i, i + PAGES_PER_FRAME);
      for (const p of batch) sentAs[p] = owner.has(p) ? owner.get(p)! + 1 : -1;
      await out(frame(FrameKind.PAGES, pagesPayload(vm.host.bytes, batch)));
      pagesSent += batch.length;
      // The guest runs between batches; the dirty log catches what it writes meanwhile.
      if (between) await yieldToVm();
    }
  };
  const dirtyHostPages = (bitmap: Uint32Array, backing: Float64Array): number[] => {
    const pages: number[] = [];
    for (let g = 0; g < backing.length; g++) {
      if (((bitmap[g >>> 5] >>> (g & 31)) & 1) !== 0 && backing[g] >= 0) pages.push(backing[g]);
    }
    return pages;
  };

  let held = false;
  let disksDetached = false;
  let stoppedAt = 0;
  vm.startDirtyLog();
  try {
    // Round 1: everything that is not zero (the destination's memory starts zeroed).
    let backing = backingNow();
    // A populated page of zeroes needs no copy: the destination's memory starts zeroed.
    backing.forEach((h, g) => { if (h >= 0) sentAs[h] = g + 1; });
    await sendPages(nonZeroPages(usedHostMemory(vm)), backing, true);
    await out(frame(FrameKind.ROUND_END));
    let rounds = 1;
    let dirty: number[];
    for (;;) {
      await yieldToVm();
      backing = backingNow();
      dirty = dirtyHostPages(vm.fetchDirtyLog(), backing);
      if (dirty.length <= FEW_DIRTY_PAGES || rounds >= MAX_ROUNDS) break;
      await sendPages(dirty, backing, true);
      await out(frame(FrameKind.ROUND_END));
      rounds++;
    }

    // Stop and copy: the VM is held from here; what it wrote since the last fetch goes with
    // the pages the hypervisor changed itself (tables, pages populated or reused since sent).
    held = true;
    await ctl.hold();
    vm.pause();
    stoppedAt = performance.now();
    backing = backingNow();
    const last = new Set(dirtyHostPages(vm.fetchDirtyLog(), backing));
    for (const p of dirty) last.add(p);
    const finalDirtyPages = last.size;
    const ramPage = new Uint8Array(hostPages);
    backing.forEach((h, g) => {
      if (h < 0) return;
      ramPage[h] = 1;
      if (sentAs[h] !== g + 1) last.add(h);
    });
    const alloc = vm.alloc.save();
    const free = new Set(alloc.free.map((hpa) => (hpa - vm.host.base) / PAGE_SIZE));
    const used = (alloc.next - vm.host.base) / PAGE_SIZE;
    for (let p = 0; p < used; p++) if (!ramPage[p] && !free.has(p)) last.add(p);
    await sendPages([...last].sort((a, b) => a - b), backing, false);
    vm.stopDirtyLog();
    await out(frame(FrameKind.STATE, jsonPayload({ board, vm: saveVm(vm), paused: ctl.paused?.() ?? false })));
    await reader.expect(FrameKind.RESTORED, 'the destination to restore the state');
    // The disks change hands only now: the destination has everything else.
    ctl.detachDisks();
    disksDetached = true;
    await out(frame(FrameKind.GO));
    await reader.expect(FrameKind.RUNNING, 'the destination to run the VM');
    const now = performance.now();
    socket.end();
    return { rounds, pagesSent, bytesSent, totalMs: now - started, downtimeMs: now - stoppedAt, finalDirtyPages };
  } catch (e) {
    vm.stopDirtyLog();
    socket.destroy();
    if (disksDetached) ctl.reattachDisks();
    if (held) ctl.release();
    if (e instanceof MigrationError) throw e;
    throw new MigrationError(`the migration failed: ${(e as Error).message}`);
  }
}
