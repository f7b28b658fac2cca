/**
 * virtio memory balloon (virtio 1.2 section 5.5), device id 5, three queues:
 *
 *   queue 0  inflateq  device-readable arrays of le32 page frame numbers (4 KiB pages) the
 *                      driver gives up: each is unmapped from the guest and its host page freed
 *   queue 1  deflateq  pages the driver takes back: mapped again, to a fresh zeroed host page,
 *                      when the guest next touches them (the guest-page-fault exit does it)
 *   queue 2  statsq    (VIRTIO_BALLOON_F_STATS_VQ) one buffer of { le16 tag; le64 val } records;
 *                      the device holds it and hands it back to ask for new figures (5.5.6.3)
 *
 * Configuration space (5.5.4), little-endian:
 *
 *   0x00  num_pages  le32  the target: pages the device wants in the balloon (device writes)
 *   0x04  actual     le32  pages in the balloon now (the driver writes)
 *   0x08  free_page_hint_cmd_id / free_page_report_cmd_id  le32  (features not offered: 0)
 *   0x0c  poison_val le32  (VIRTIO_BALLOON_F_PAGE_POISON not offered: 0)
 *
 * Feature bits offered: VIRTIO_BALLOON_F_STATS_VQ (1), as QEMU's -device virtio-balloon, and
 * VIRTIO_BALLOON_F_DEFLATE_ON_OOM (2) only when asked (QEMU's deflate-on-oom=on; off by default
 * there too). Without it Linux takes inflated pages out of MemTotal (adjust_managed_page_count
 * in virtio_balloon.c), so the guest sees its memory shrink. Not MUST_TELL_HOST: a page the
 * guest touches without deflating it first is simply mapped again.
 *
 * Linux's driver makes its first stats buffer available and notifies before it sets DRIVER_OK
 * (init_vqs), and the transport ignores notifications until then: the device takes that
 * buffer when it is activated, as QEMU's virtio_balloon_set_status polls the stats queue at
 * DRIVER_OK. Without that it never holds a buffer and never asks for statistics.
 *
 * Guests are not trusted: a page number outside RAM, a page given twice or a stats record past
 * the known tags is skipped; each page is one bit of a bitmap sized by RAM, so nothing the
 * driver sends grows host memory.
 */
import { readStream, type DescriptorChain } from '../queue/chain';
import { ConfigSpace, FeatureWords, SERVICE_CHAINS, VirtioDevice, VirtioHost, serviceQueue } from '../virtio-device';
import { bytesText, num, obj, StateError, textBytes, type Saved } from '../../../state/persist';

/** Device id (virtio 1.2 section 5.5.1). */
export const BALLOON_DEVICE_ID = 5;
/** Queue indices. */
export const INFLATE_QUEUE = 0;
export const DEFLATE_QUEUE = 1;
export const STATS_QUEUE = 2;
/** Feature bits (5.5.3). */
export const BalloonFeature = { MUST_TELL_HOST: 0, STATS_VQ: 1, DEFLATE_ON_OOM: 2 } as const;
/** The balloon's page size: page frame numbers count 4 KiB pages whatever the guest's page size (5.5.6). */
export const BALLOON_PAGE = 4096;
/** Queue size offered (Linux sends at most 256 pfns per buffer; QEMU offers 128). */
export const BALLOON_QUEUE_SIZE = 128;

/**
 * The statistics tags (5.5.6.3) under the names libvirt reports them with (virsh dommemstat),
 * and whether the value is bytes (reported in KiB, as libvirt does) or a count.
 */
export const BALLOON_STAT_TAGS: readonly { tag: number; name: string; bytes: boolean }[] = [
  { tag: 0, name: 'swap_in', bytes: true },
  { tag: 1, name: 'swap_out', bytes: true },
  { tag: 2, name: 'major_fault', bytes: false },
  { tag: 3, name: 'minor_fault', bytes: false },
  { tag: 4, name: 'unused', bytes: true },
  { tag: 5, name: 'available', bytes: true },
  { tag: 6, name: 'usable', bytes: true },
  { tag: 7, name: 'disk_caches', bytes: true },
  { tag: 8, name: 'hugetlb_pgalloc', bytes: false },
  { tag: 9, name: 'hugetlb_pgfail', bytes: false },
];
/** Bytes of one stats record: le16 tag, le64 value, packed. */
const STAT_RECORD = 10;

/** What the balloon does to guest memory: the VM's side (Vm.releaseGuestPage). */
export interface BalloonMemoryPort {
  /** Guest-physical base and size of RAM. */
  readonly ramBase: number;
  readonly ramSize: number;
  /** Unmaps the RAM pages at `gpas` and frees their host pages; the guest's next touch maps a zeroed one. */
  releasePages(gpas: readonly number[]): void;
  /** Guest time now in timebase ticks, for the statistics polling. */
  now(): number;
}

/** What `report` says about the balloon (sizes in bytes). */
export interface BalloonReport {
  /** The target set through `setTarget`. */
  targetBytes: number;
  /** What the driver says the balloon holds (config `actual`). */
  actualBytes: number;
  /** Pages the device took from the guest and has not seen deflated. */
  inflatedBytes: number;
  /** The guest's last statistics under libvirt's names (KiB for sizes, counts for faults); empty until it sends any. */
  guest: Record<string, number>;
  /** Guest time (ticks) of the last statistics, or -1. */
  statsAt: number;
}

/** A virtio-balloon device. */
export class VirtioBalloon implements VirtioDevice {
  /** @inheritdoc */
  readonly kind = 'virtio-balloon';
  /** @inheritdoc */
  readonly deviceId = BALLOON_DEVICE_ID;
  /** @inheritdoc */
  readonly queueMaxSizes = [BALLOON_QUEUE_SIZE, BALLOON_QUEUE_SIZE, BALLOON_QUEUE_SIZE];
  /** @inheritdoc */
  readonly features: FeatureWords;
  /** Page frames given up and not taken back: one bit per RAM page. */
  private readonly inflated: Uint8Array;
  private inflatedPages = 0;
  /** Page numbers the driver sent that were not RAM pages (or were given twice): skipped. */
  ignoredPages = 0;
  private readonly config = new ConfigSpace(16);
  private host: VirtioHost | null = null;
  /** The stats buffer the device holds (its head), to give back when it wants new figures. */
  private statsHead: number | null = null;
  private guestStats: Record<string, number> = {};
  private statsAt = -1;
  private lastPoll = -Infinity;

  /**
   * @param memory the VM's side
   * @param statsInterval guest ticks between two requests for statistics (0: only on `pollStats`)
   * @param deflateOnOom offer VIRTIO_BALLOON_F_DEFLATE_ON_OOM (QEMU's deflate-on-oom=on)
   */
  constructor(private readonly memory: BalloonMemoryPort, private readonly statsInterval = 0, deflateOnOom = false) {
    this.features = [(1 << BalloonFeature.STATS_VQ) | (deflateOnOom ? 1 << BalloonFeature.DEFLATE_ON_OOM : 0), 0];
    this.inflated = new Uint8Array(Math.ceil(memory.ramSize / BALLOON_PAGE / 8));
  }

  /** Sets the balloon's target size (rounded down to whole pages, at most RAM) and tells the driver. */
  setTarget(bytes: number): void {
    const pages = Math.max(0, Math.min(Math.floor(bytes / BALLOON_PAGE), this.memory.ramSize / BALLOON_PAGE));
    this.config.setU32(0, pages);
    this.host?.configChanged();
  }

  /** The figures for `vm info --json` and `--stats-json`. */
  report(): BalloonReport {
    return {
      targetBytes: this.config.read(0, 4) * BALLOON_PAGE,
      actualBytes: this.config.read(4, 4) * BALLOON_PAGE,
      inflatedBytes: this.inflatedPages * BALLOON_PAGE,
      guest: { ...this.guestStats },
      statsAt: this.statsAt,
    };
  }

  /** Asks the driver for new statistics now (hands back the stats buffer it holds), if it has given one. */
  pollStats(): void {
    const q = this.host?.queue(STATS_QUEUE);
    if (!q || this.statsHead === null) return;
    q.push(this.statsHead, 0);
    this.statsHead = null;
    this.lastPoll = this.memory.now();
    this.host!.signalUsed(STATS_QUEUE);
  }

  /** Called by the VM between batches: polls the statistics every `statsInterval` guest ticks. */
  tick(): void {
    if (this.statsInterval > 0 && this.statsHead !== null && this.memory.now() - this.lastPoll >= this.statsInterval) this.pollStats();
  }

  /** @inheritdoc */
  readConfig(offset: number, size: 1 | 2 | 4): number {
    return this.config.read(offset, size);
  }

  /** @inheritdoc */
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    // Only `actual` is the driver's to write (5.5.6.1).
    if (offset >= 4 && offset + size <= 8) {
      const bytes = this.config.bytes;
      for (let i = 0; i < size; i++) bytes[offset + i] = (value >>> (8 * i)) & 0xff;
    }
  }

  /** @inheritdoc */
  activate(host: VirtioHost): void {
    this.host = host;
    // A stats buffer made available (and notified) before DRIVER_OK: take it now.
    this.takeStats();
  }

  /** @inheritdoc */
  processQueue(index: number): boolean {
    if (index === INFLATE_QUEUE || index === DEFLATE_QUEUE) {
      return serviceQueue(this.host, index, (chain, memory) => {
        const pfns = readStream(memory, chain.readable, 0, chain.readableBytes - (chain.readableBytes % 4));
        const view = new DataView(pfns.buffer, pfns.byteOffset, pfns.byteLength);
        const released: number[] = [];
        for (let i = 0; i < pfns.length; i += 4) {
          const gpa = this.page(view.getUint32(i, true), index === INFLATE_QUEUE);
          if (gpa >= 0) released.push(gpa);
        }
        // One TLB flush per buffer, not per page.
        if (released.length > 0) this.memory.releasePages(released);
        return 0;
      });
    }
    if (index === STATS_QUEUE) this.takeStats();
    return false;
  }

  /** Inflates or deflates one page frame; returns the page to release (inflated now), or -1. */
  private page(pfn: number, inflate: boolean): number {
    const gpa = pfn * BALLOON_PAGE;
    const i = (gpa - this.memory.ramBase) / BALLOON_PAGE;
    if (!(i >= 0 && gpa + BALLOON_PAGE <= this.memory.ramBase + this.memory.ramSize)) {
      this.ignoredPages++;
      return -1;
    }
    const bit = 1 << (i & 7);
    const was = (this.inflated[i >> 3] & bit) !== 0;
    if (was === inflate) {
      this.ignoredPages++;
      return -1;
    }
    if (inflate) {
      this.inflated[i >> 3] |= bit;
      this.inflatedPages++;
      return gpa;
    }
    this.inflated[i >> 3] &= ~bit;
    this.inflatedPages--;
    return -1;
  }

  /** Reads the buffers the driver made available on the stats queue; keeps the newest one. */
  private takeStats(): void {
    const q = this.host?.queue(STATS_QUEUE);
    if (!q) return;
    for (let n = 0; n < SERVICE_CHAINS; n++) {
      const chain = q.pop();
      if (!chain) break;
      this.parseStats(chain);
      // One buffer is held; an extra one goes straight back (a driver sends one at a time).
      if (this.statsHead !== null) {
        q.push(this.statsHead, 0);
        this.host!.signalUsed(STATS_QUEUE);
      }
      this.statsHead = chain.head;
    }
  }

  private parseStats(chain: DescriptorChain): void {
    const n = Math.min(Math.floor(chain.readableBytes / STAT_RECORD), BALLOON_STAT_TAGS.length * 2);
    const raw = readStream(this.host!.memory, chain.readable, 0, n * STAT_RECORD);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const stats: Record<string, number> = {};
    for (let i = 0; i + STAT_RECORD <= raw.length; i += STAT_RECORD) {
      const def = BALLOON_STAT_TAGS.find((t) => t.tag === view.getUint16(i, true));
      if (!def) continue;
      const v = view.getUint32(i + 2, true) + view.getUint32(i + 6, true) * 4294967296;
      stats[def.name] = def.bytes ? Math.floor(v / 1024) : v;
    }
    this.guestStats = stats;
    this.statsAt = this.memory.now();
  }

  /** @inheritdoc */
  reset(): void {
    this.host = null;
    this.statsHead = null;
    // The driver starts again with an empty balloon; released pages come back on first touch.
    this.inflated.fill(0);
    this.inflatedPages = 0;
    this.config.setU32(4, 0);
  }

  /** The balloon's state for a snapshot. */
  save(): Saved {
    return {
      target: this.config.read(0, 4), actual: this.config.read(4, 4), statsHead: this.statsHead,
      inflated: bytesText(this.inflated), inflatedPages: this.inflatedPages,
      guest: { ...this.guestStats }, statsAt: this.statsAt, ignoredPages: this.ignoredPages,
    };
  }

  /**
   * Puts back `save`'s state (after the transport restored the queues). The inflated pages stay
   * released: the snapshot's memory has no host page for them.
   */
  restore(state: Saved): void {
    const s = obj(state, 'virtio-balloon');
    const bits = textBytes(s.inflated);
    if (bits.length !== this.inflated.length) throw new StateError('virtio-balloon: the inflated-page bitmap does not fit this RAM');
    this.config.setU32(0, num(s.target, 'target'));
    this.config.setU32(4, num(s.actual, 'actual'));
    this.statsHead = s.statsHead === null ? null : num(s.statsHead, 'statsHead');
    this.inflated.set(bits);
    this.inflatedPages = num(s.inflatedPages, 'inflatedPages');
    this.ignoredPages = num(s.ignoredPages, 'ignoredPages');
    this.statsAt = num(s.statsAt, 'statsAt');
    this.guestStats = {};
    for (const [k, v] of Object.entries(obj(s.guest, 'guest'))) this.guestStats[k] = num(v, k);
  }
}
