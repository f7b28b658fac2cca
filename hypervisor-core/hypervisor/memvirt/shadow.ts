/**
 * Shadow paging: the hypervisor keeps its own tables from guest virtual straight to host
 * physical addresses and points the hart's vsatp at them, with the G-stage off (hgatp Bare),
 * as hypervisors did before two-stage translation hardware (KVM's shadow MMU, "mmu.c" on x86;
 * the textbooks' "shadow page tables").
 *
 * - hstatus.VTVM traps the guest's satp accesses and SFENCE.VMA (virtual-instruction exits):
 *   satp is a register of this file, its reads return the guest's value, its writes choose
 *   the shadow root.
 * - Page faults (scause 12, 13, 15) are not delegated while shadowing: on each, the
 *   hypervisor walks the guest's tables in software (at guest physical addresses, through
 *   guest RAM) with the faulting access's rights, and either writes the shadow entry or
 *   delivers the guest its own page fault. A guest PTE naming a device is MMIO, emulated.
 * - A/D bits: with Svadu offered to the guest the walk sets A; the shadow entry stays
 *   read-only until the first store, whose fault sets D in the guest PTE and makes the shadow
 *   entry writable. Without Svadu a clear A or D is the guest's page fault, as on hardware.
 * - Shadow roots are cached per guest address space (satp's MODE, ASID and root), so a
 *   process switch back finds its entries; SFENCE.VMA by address, by ASID or for all drops
 *   the entries it names, which refill on the next fault. The RISC-V rule that a changed PTE
 *   is only guaranteed visible after SFENCE.VMA is what makes this exact without
 *   write-protecting the guest's tables (x86 shadow MMUs must).
 * - Large guest pages are shadowed 4 KiB at a time (guest RAM pages are not contiguous in
 *   host memory); the superpage's span is remembered so a fence of any address in it drops
 *   all of it.
 * - While the guest's satp is Bare, the G-stage translates as in two-stage mode (a guest
 *   without paging has nothing to shadow).
 *
 * The tables come from a bounded pool; when it runs out every shadow table is dropped and
 * refilled on demand.
 *
 * Classic trap-and-emulate (`classic`, `--cpu-virt trap-emulate`) uses the same tables from the
 * hart's own satp, with no H extension: the guest kernel runs in U-mode, so every shadow leaf
 * has U set and the guest's privilege rules are applied here, in one view per guest address
 * space and privilege (see {@link ShadowView}); a Bare guest gets an identity table of its RAM.
 */
import { Cause, EnvcfgHi, Hstatus, Mstatus, Priv } from '../../hart/csr-numbers';
import { Slot } from '../../hart/hart-state';
import type { Hart } from '../../hart/hart';
import { expandCompressed } from '../../hart/isa/rvc';
import { transformedInstruction } from '../../hart/translate';
import { PAGE_SIZE } from '../../memory/address';
import type { PhysMemory } from '../../memory/phys-memory';
import { TableBuilder, TablePages } from '../../mmu/table-builder';
import { Access, PagingMode, Pte, PteAddressTranslator, SV39, SV48, Walker, WalkFault } from '../../mmu/walker';
import type { GStage } from '../gstage';
import type { GuestRam } from '../guest-ram';
import type { RemoteFence } from '../sbi/sbi-host';
import { emptyCounters, MemVirt, PageFaultOutcome } from './port';
import { arr, num, obj, StateError, type Saved } from '../../state/persist';

const TWO32 = 4294967296;
/** The page faults kept from the guest while shadowing (hedeleg bits). */
export const PAGE_FAULT_BITS = (1 << Cause.FETCH_PAGE_FAULT) | (1 << Cause.LOAD_PAGE_FAULT) | (1 << Cause.STORE_PAGE_FAULT);
const PAGE_FAULT = [Cause.LOAD_PAGE_FAULT, Cause.STORE_PAGE_FAULT, Cause.FETCH_PAGE_FAULT];
const ACCESS_FAULT = [Cause.LOAD_ACCESS, Cause.STORE_ACCESS, Cause.FETCH_ACCESS];
const ACCESS_NAME = ['read', 'write', 'fetch'] as const;
/** Address spaces whose shadow tables a vCPU keeps (least recently used dropped first). */
export const MAX_ROOTS = 64;
/** A remote fence of more pages than this drops the whole address space. */
const REMOTE_PAGES = 64;
const CSR_SATP = 0x180;
const SFENCE_MASK = 0xfe007fff;
const SFENCE_VMA = 0x12000073;
const CSR_OPS = ['', 'csrrw', 'csrrs', 'csrrc', '', 'csrrwi', 'csrrsi', 'csrrci'];

/**
 * Which view of a guest address space a classic shadow table gives (bits): the guest kernel's
 * (U = 0 pages; U = 1 pages only with SUM and never executable) or the guest user's (U = 1
 * pages only); MXR makes executable pages readable. Each combination has its own shadow root,
 * so a change of the guest's privilege, SUM or MXR is a switch of roots, never a stale entry.
 */
export const enum ShadowView { KERNEL = 0, USER = 1, SUM = 2, MXR = 4 }

/** Table pages from the host allocator, counted against a budget. */
class ShadowPool implements TablePages {
  used = 0;
  constructor(private readonly alloc: TablePages, readonly budget: number) {}
  allocate(pages = 1, align = PAGE_SIZE): number {
    const hpa = this.alloc.allocate(pages, align);
    this.used += pages;
    return hpa;
  }
  release(hpa: number): void {
    this.alloc.release(hpa);
    this.used--;
  }
}

/** The shadow table of one guest address space. */
interface ShadowRoot {
  readonly asid: number;
  /** Classic only: the identity table of guest RAM for a guest whose satp is Bare. */
  readonly bare: boolean;
  readonly table: TableBuilder;
  /** Guest superpages shadowed, by the base of their span: 2 MiB and 1 GiB. */
  readonly spans2m: Set<number>;
  readonly spans1g: Set<number>;
}

/** One vCPU's shadow state. */
class VcpuShadow {
  /** satp as the guest wrote it (legal values only). */
  satpLo = 0;
  satpHi = 0;
  /** Shadow roots by guest satp value, least recently used first. */
  readonly roots = new Map<string, ShadowRoot>();
  current: ShadowRoot | null = null;
  hart: Hart | null = null;
  /** Classic only: the guest's privilege and status bits the current root is for (ShadowView bits). */
  view = 0;
  /** The guest is in its own (virtual) M-mode: translation bare whatever its satp says. */
  suspended = false;
}

/** satp.MODE to a paging mode (null: Bare). */
function modeOf(hi: number): PagingMode | null {
  const m = hi >>> 28;
  return m === 8 ? SV39 : m === 9 ? SV48 : null;
}

/** The low `vaBits` of a canonical address, or -1. */
function canonical(lo: number, hi: number, vaBits: number): number {
  const top = hi >> (vaBits - 33);
  if (top !== 0 && top !== -1) return -1;
  return (hi & ((1 << (vaBits - 32)) - 1)) * TWO32 + (lo >>> 0);
}

/**
 * A classic shadow leaf's flags: U always (the guest kernel runs in U-mode too); the guest
 * kernel never executes its user pages (privileged spec 4.3.1: S-mode may not fetch from
 * U = 1 pages, SUM or not); MXR makes executable pages readable (the hart's own MXR is 0).
 */
function classicFlags(flags: number, user: boolean, mxr: boolean): number {
  let f = flags | Pte.U;
  if (!user && (flags & Pte.U) !== 0) f &= ~Pte.X;
  if (mxr && (flags & Pte.X) !== 0) f |= Pte.R;
  return f;
}

/** The shadow-paging technique. */
export class ShadowMmu implements MemVirt, PteAddressTranslator {
  readonly mode = 'shadow' as const;
  readonly counters = emptyCounters();
  private readonly cpus: VcpuShadow[] = [];
  private readonly walker: Walker;
  private readonly pool: ShadowPool;

  /**
   * @param poolPages the most table pages all shadow tables together may hold
   * @param classic the tables serve the hart's satp for a guest without the H extension
   *   (trap-and-emulate) instead of vsatp for a VS-mode guest
   */
  constructor(private readonly mem: PhysMemory, alloc: TablePages, private readonly gstage: GStage,
    private readonly ram: GuestRam, private readonly vmid: number, vcpus: number, poolPages: number,
    readonly classic = false) {
    this.walker = new Walker(mem);
    this.pool = new ShadowPool(alloc, poolPages);
    for (let i = 0; i < vcpus; i++) this.cpus.push(new VcpuShadow());
  }

  /** Guest RAM holds the guest's tables: a PTE's GPA to its HPA (anything else is an access fault). */
  translatePteAddress(gpa: number): number {
    if (!this.ram.contains(gpa, 8)) return WalkFault.ACCESS;
    return this.ram.backingPage(gpa) + (gpa % PAGE_SIZE);
  }

  configure(vcpu: number, hart: Hart): void {
    const c = this.cpus[vcpu];
    c.hart = hart;
    for (const r of c.roots.values()) this.release(r);
    c.roots.clear();
    c.current = null;
    c.satpLo = c.satpHi = 0;
    c.view = ShadowView.KERNEL;
    c.suspended = false;
    if (!this.classic) {
      hart.hedeleg &= ~PAGE_FAULT_BITS;
      hart.set(Slot.HSTATUS, hart.lo(Slot.HSTATUS) | Hstatus.VTVM, hart.hi(Slot.HSTATUS));
    }
    this.apply(c, hart);
  }

  /**
   * Classic only: the guest's privilege, SUM or MXR changed (ShadowView bits); the hart moves
   * to the shadow root of that view. SUM means nothing to the user view.
   */
  setView(vcpu: number, hart: Hart, view: number): void {
    const v = (view & ShadowView.USER) !== 0 ? view & ~ShadowView.SUM : view;
    const c = this.cpus[vcpu];
    if (c.view === v) return;
    c.view = v;
    if (modeOf(c.satpHi) !== null) this.apply(c, hart); // a Bare guest has one view
  }

  /**
   * The guest enters (true) or leaves (false) its own M-mode (`--bios none`): in it, addresses
   * are physical (the G-stage translates, as while satp is Bare); out of it, its satp is back
   * in force. satp written meanwhile takes effect on the way out.
   */
  suspend(vcpu: number, hart: Hart, suspended: boolean): void {
    const c = this.cpus[vcpu];
    c.suspended = suspended;
    this.apply(c, hart);
  }

  /** The guest's satp write from its M-mode (WARL as the hart's), in force once it leaves M-mode. */
  writeGuestAtp(vcpu: number, hart: Hart, lo: number, hi: number): void {
    this.writeAtp(this.cpus[vcpu], hart, lo, hi);
  }

  onPageFault(vcpu: number, hart: Hart, cause: number): PageFaultOutcome {
    const access = cause === Cause.FETCH_PAGE_FAULT ? Access.FETCH : cause === Cause.STORE_PAGE_FAULT ? Access.WRITE : Access.READ;
    const c = this.cpus[vcpu];
    const mode = c.suspended ? null : modeOf(c.satpHi);
    const root = c.current;
    if (this.classic && mode === null && root !== null) return this.fillBare(c, hart, root, access);
    const va = mode === null ? -1 : canonical(hart.lo(Slot.STVAL), hart.hi(Slot.STVAL), mode.vaBits);
    if (mode === null || root === null || va < 0) return this.inject(PAGE_FAULT[access]);
    const vs = hart.lo(Slot.VSSTATUS);
    const user = this.classic ? (c.view & ShadowView.USER) !== 0 : (hart.lo(Slot.MSTATUS) & Mstatus.SPP) === 0;
    const sum = this.classic ? (c.view & ShadowView.SUM) !== 0 : (vs & Mstatus.SUM) !== 0;
    const mxr = this.classic ? (c.view & ShadowView.MXR) !== 0 : ((vs | hart.lo(Slot.MSTATUS)) & Mstatus.MXR) !== 0;
    const adue = (hart.hi(Slot.HENVCFG) & hart.hi(Slot.MENVCFG) & EnvcfgHi.ADUE) !== 0;
    const before = this.walker.reads;
    const gpa = this.walker.walk(mode, this.guestRoot(c), va, access, user, sum, mxr, this, adue);
    this.counters.softwarePteReads += this.walker.reads - before;
    if (gpa === WalkFault.PAGE) return this.inject(PAGE_FAULT[access]);
    if (gpa < 0) return this.inject(ACCESS_FAULT[access]);
    if (!this.ram.contains(gpa)) {
      if (access === Access.FETCH) return this.inject(Cause.FETCH_ACCESS);
      return { kind: 'mmio', gpa, htinst: this.instruction(c, hart, mode, user) };
    }
    const flags = this.walker.leafFlags, size = this.walker.pageSize;
    // Writable only once the guest PTE is dirty, so the first store comes back here to set D.
    const writable = (flags & (Pte.W | Pte.D)) === (Pte.W | Pte.D);
    let shadowFlags = (flags & (Pte.R | Pte.X | Pte.U)) | Pte.A | (writable ? Pte.W | Pte.D : 0);
    if (this.classic) shadowFlags = classicFlags(shadowFlags, user, mxr);
    const page = va - (va % PAGE_SIZE);
    const upgrade = access === Access.WRITE && root.table.leaf(page) !== 0;
    if (this.pool.used + 3 > this.pool.budget) this.resetAll();
    root.table.map(page, this.ram.backingPage(gpa - (gpa % PAGE_SIZE)), shadowFlags);
    if (size === 0x200000) root.spans2m.add(va - (va % size));
    else if (size > 0x200000) root.spans1g.add(va - (va % size));
    this.counters.tablePages = this.pool.used;
    if (upgrade) {
      this.counters.dirty++;
      return { kind: 'dirty' };
    }
    this.counters.fills[ACCESS_NAME[access]]++;
    return { kind: 'fill' };
  }

  /**
   * Classic, guest satp Bare: guest virtual is guest physical. RAM pages are mapped with every
   * permission (there are no guest PTEs to consult); anything else is a device or nothing.
   */
  private fillBare(c: VcpuShadow, hart: Hart, root: ShadowRoot, access: Access): PageFaultOutcome {
    const hi = hart.hi(Slot.STVAL);
    const gpa = hi >>> 0 < 0x8000 ? (hi >>> 0) * TWO32 + (hart.lo(Slot.STVAL) >>> 0) : -1; // below 2^47: Sv48's reach
    if (gpa >= 0 && this.ram.contains(gpa)) {
      if (this.pool.used + 3 > this.pool.budget) this.resetAll();
      const page = gpa - (gpa % PAGE_SIZE);
      root.table.map(page, this.ram.backingPage(page), Pte.R | Pte.W | Pte.X | Pte.U | Pte.A | Pte.D);
      this.counters.tablePages = this.pool.used;
      this.counters.fills[ACCESS_NAME[access]]++;
      return { kind: 'fill' };
    }
    if (access === Access.FETCH || gpa < 0) return this.inject(ACCESS_FAULT[access]);
    return { kind: 'mmio', gpa, htinst: this.instruction(c, hart, null, false) };
  }

  emulate(vcpu: number, hart: Hart, insn: number): string | null {
    const c = this.cpus[vcpu];
    if ((insn & SFENCE_MASK) === SFENCE_VMA) return this.sfence(c, hart, (insn >>> 15) & 31, (insn >>> 20) & 31);
    const funct3 = (insn >>> 12) & 7;
    if ((insn & 0x7f) !== 0x73 || (insn >>> 20) !== CSR_SATP || funct3 === 0 || funct3 === 4) return null;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31;
    const oldLo = c.satpLo, oldHi = c.satpHi;
    const imm = funct3 >= 5;
    const srcLo = imm ? rs1 : hart.x[rs1 * 2], srcHi = imm ? 0 : hart.x[rs1 * 2 + 1];
    const op = funct3 & 3;
    // CSRRS/CSRRC with x0 (or a zero immediate) read without writing.
    if (op === 1 || rs1 !== 0) {
      const lo = op === 1 ? srcLo : op === 2 ? oldLo | srcLo : oldLo & ~srcLo;
      const hi = op === 1 ? srcHi : op === 2 ? oldHi | srcHi : oldHi & ~srcHi;
      this.writeAtp(c, hart, lo, hi);
    }
    if (rd !== 0) {
      hart.x[rd * 2] = oldLo;
      hart.x[rd * 2 + 1] = oldHi;
    }
    return `${CSR_OPS[funct3]} satp`;
  }

  onRemoteFence(vcpu: number, hart: Hart, fence: RemoteFence): void {
    if (fence.kind !== 'sfence.vma') return;
    const c = this.cpus[vcpu];
    this.counters.resyncs.remote++;
    if (fence.size === 0n || fence.size > BigInt(REMOTE_PAGES * PAGE_SIZE)) {
      for (const r of c.roots.values()) this.clearRoot(r);
      hart.flushAllTlbs();
      return;
    }
    let region = false;
    for (let a = fence.start & ~0xfffn; a < fence.start + fence.size; a += 4096n) {
      region = this.dropPage(c, Number(BigInt.asIntN(32, a)), Number(BigInt.asIntN(32, a >> 32n))) || region;
    }
    if (region) hart.flushAllTlbs();
  }

  onGuestPagesReleased(): void {
    // Which shadow entries name the freed pages is not recorded: every table is emptied.
    for (const c of this.cpus) {
      for (const r of c.roots.values()) this.clearRoot(r);
      c.hart?.flushAllTlbs();
    }
  }

  guestAtp(vcpu: number): [number, number] {
    const c = this.cpus[vcpu];
    return [c.satpLo, c.satpHi];
  }

  /**
   * Each vCPU's guest satp, view and M-mode suspension, and its current root. Every shadow
   * table is emptied first and only the current roots stay (apply makes them anew), so the
   * VM runs on from exactly the state a restore rebuilds: no shadow entry, the same guest.
   */
  save(): Saved {
    for (const c of this.cpus) {
      for (const r of c.roots.values()) this.release(r);
      c.roots.clear();
      c.current = null;
      if (c.hart) this.apply(c, c.hart);
    }
    this.counters.tablePages = this.pool.used;
    return {
      classic: this.classic,
      cpus: this.cpus.map((c) => ({ satp: [c.satpLo, c.satpHi], view: c.view, suspended: c.suspended, root: c.current?.table.root ?? null })),
    };
  }

  /**
   * The snapshot's allocator holds the current roots `save` listed: they are given back and
   * each vCPU's root made anew from its guest satp (its hart's satp or vsatp, hgatp follow).
   * The roots in host memory before the restore are forgotten, not given back: that memory
   * and its allocator were replaced.
   */
  restore(state: Saved | null, harts: readonly Hart[]): void {
    const s = obj(state, 'shadow paging');
    if ((s.classic === true) !== this.classic) throw new StateError('the snapshot ran under another CPU virtualisation (--cpu-virt)');
    const cpus = arr(s.cpus, 'shadow paging vCPUs').map((v, i) => {
      const c = obj(v, `shadow paging of vCPU ${i}`);
      const satp = arr(c.satp, 'guest satp');
      const root = c.root === null || c.root === undefined ? null : num(c.root, 'shadow root');
      if (root !== null && (root % PAGE_SIZE !== 0 || root < this.mem.base || root >= this.mem.base + this.mem.size)) {
        throw new StateError(`vCPU ${i}: shadow root 0x${root.toString(16)} is not a page of host memory`);
      }
      return { satpLo: num(satp[0], 'guest satp') | 0, satpHi: num(satp[1], 'guest satp') | 0, view: num(c.view, 'view') & 7, suspended: c.suspended === true, root };
    });
    if (cpus.length !== this.cpus.length) throw new StateError(`the snapshot has shadow state for ${cpus.length} vCPUs, this VM ${this.cpus.length}`);
    for (const c of this.cpus) {
      c.roots.clear();
      c.current = null;
    }
    this.pool.used = 0;
    for (const saved of cpus) {
      if (saved.root === null) continue;
      this.pool.used++;
      this.pool.release(saved.root);
    }
    this.cpus.forEach((c, i) => {
      Object.assign(c, { satpLo: cpus[i].satpLo, satpHi: cpus[i].satpHi, view: cpus[i].view, suspended: cpus[i].suspended });
      c.hart = harts[i] ?? null;
      if (c.hart) this.apply(c, c.hart);
    });
    this.counters.tablePages = this.pool.used;
  }

  /** SFENCE.VMA rs1, rs2 from the guest: drops the shadow entries it names. */
  private sfence(c: VcpuShadow, hart: Hart, rs1: number, rs2: number): string {
    if (rs1 === 0) {
      if (rs2 === 0) {
        this.counters.resyncs.all++;
        for (const r of c.roots.values()) this.clearRoot(r);
      } else {
        // Global mappings are kept by an ASID fence; dropping them too is only slower.
        this.counters.resyncs.asid++;
        const asid = hart.x[rs2 * 2] & 0xffff;
        for (const r of c.roots.values()) if (r.asid === asid) this.clearRoot(r);
      }
      hart.flushAllTlbs();
      return rs2 === 0 ? 'sfence.vma' : 'sfence.vma asid';
    }
    this.counters.resyncs.page++;
    const lo = hart.x[rs1 * 2], hi = hart.x[rs1 * 2 + 1];
    if (this.dropPage(c, lo, hi)) hart.flushAllTlbs();
    else hart.flushTlbPage(lo, hi);
    return rs2 === 0 ? 'sfence.vma vaddr' : 'sfence.vma vaddr asid';
  }

  /**
   * Drops the page holding (lo, hi) from every address space of the vCPU (an ASID-tagged fence
   * too: fewer would be exact, more is merely refilled). Returns true when a whole superpage
   * span went, which the hart's TLB only forgets with a full flush.
   */
  private dropPage(c: VcpuShadow, lo: number, hi: number): boolean {
    let region = false;
    for (const r of c.roots.values()) {
      const va = canonical(lo, hi, r.table.mode.vaBits);
      if (va < 0) continue;
      const g1 = va - (va % 0x40000000), m2 = va - (va % 0x200000);
      if (r.spans1g.has(g1)) {
        r.table.dropRegion(va, 0x40000000);
        r.spans1g.delete(g1);
        region = true;
      } else if (r.spans2m.has(m2)) {
        r.table.dropRegion(va, 0x200000);
        r.spans2m.delete(m2);
        region = true;
      } else {
        r.table.unmap(va);
      }
    }
    this.counters.tablePages = this.pool.used;
    return region;
  }

  /** The guest's satp write, as the hart would take it (WARL: an unsupported MODE changes nothing). */
  private writeAtp(c: VcpuShadow, hart: Hart, lo: number, hi: number): void {
    const m = hi >>> 28;
    if (m !== 0 && m !== 8 && m !== 9) return;
    c.satpLo = lo | 0;
    c.satpHi = hi & 0xf0ffffff;
    this.apply(c, hart);
  }

  /** Points the hart at the shadow root of the guest's current address space (or the G-stage when Bare). */
  private apply(c: VcpuShadow, hart: Hart): void {
    const mode = c.suspended ? null : modeOf(c.satpHi);
    if (this.classic) {
      this.applyClassic(c, hart, mode);
    } else if (mode === null) {
      c.current = null;
      hart.set(Slot.VSATP, 0, 0);
      const [glo, ghi] = this.gstage.hgatp(this.vmid);
      hart.set(Slot.HGATP, glo, ghi);
    } else {
      const r = this.root(c, `${c.satpLo}:${c.satpHi}`, mode, false);
      const ppn = r.table.root / PAGE_SIZE;
      hart.set(Slot.VSATP, ppn | 0, (c.satpHi & 0xfffff000) | Math.floor(ppn / TWO32));
      hart.set(Slot.HGATP, 0, 0);
    }
    this.counters.tablePages = this.pool.used;
    hart.flushAllTlbs();
  }

  /**
   * Classic: the hart's own satp points at the root of the guest's address space in its
   * current view, or at the identity table of guest RAM while the guest's satp is Bare. The
   * hart's TLB is not tagged, so the ASID field stays 0.
   */
  private applyClassic(c: VcpuShadow, hart: Hart, mode: PagingMode | null): void {
    const key = mode === null ? 'bare' : `${c.satpLo}:${c.satpHi}:${c.view}`;
    const r = this.root(c, key, mode ?? SV48, mode === null);
    const ppn = r.table.root / PAGE_SIZE;
    hart.set(Slot.SATP, ppn | 0, ((mode === SV39 ? 8 : 9) << 28) | Math.floor(ppn / TWO32));
  }

  /** The shadow root cached under `key`, made most recently used, or a new one. */
  private root(c: VcpuShadow, key: string, mode: PagingMode, bare: boolean): ShadowRoot {
    let r = c.roots.get(key);
    if (r) {
      c.roots.delete(key); // most recently used last
    } else {
      if (c.roots.size >= MAX_ROOTS) {
        const [oldest, victim] = c.roots.entries().next().value as [string, ShadowRoot];
        c.roots.delete(oldest);
        this.release(victim);
      }
      if (this.pool.used + 4 > this.pool.budget) this.resetAll();
      r = { asid: bare ? -1 : (c.satpHi >>> 12) & 0xffff, bare, table: new TableBuilder(this.mem, this.pool, mode), spans2m: new Set(), spans1g: new Set() };
    }
    c.roots.set(key, r);
    c.current = r;
    return r;
  }

  /** The guest's root table (a GPA) from its satp. */
  private guestRoot(c: VcpuShadow): number {
    return ((c.satpHi & 0xfff) * TWO32 + (c.satpLo >>> 0)) * PAGE_SIZE;
  }

  private inject(cause: number): PageFaultOutcome {
    this.counters.injected++;
    return { kind: 'inject', cause };
  }

  /** Empties an address space's shadow table (it refills on faults). */
  private clearRoot(r: ShadowRoot): void {
    r.table.clear();
    r.spans2m.clear();
    r.spans1g.clear();
    this.counters.tablePages = this.pool.used;
  }

  private release(r: ShadowRoot): void {
    r.table.destroy();
    this.counters.tablePages = this.pool.used;
  }

  /** The pool ran out: every vCPU keeps only its current roots, emptied. */
  private resetAll(): void {
    this.counters.poolResets++;
    for (const c of this.cpus) {
      for (const [key, r] of c.roots) {
        if (r === c.current) this.clearRoot(r);
        else {
          c.roots.delete(key);
          this.release(r);
        }
      }
      c.hart?.flushAllTlbs();
    }
  }

  /**
   * The trapping load/store at sepc, read through the guest's tables, as the transformed
   * instruction that htinst would hold (0 when it cannot be read).
   */
  private instruction(c: VcpuShadow, hart: Hart, mode: PagingMode | null, user: boolean): number {
    const lo = hart.lo(Slot.SEPC), hi = hart.hi(Slot.SEPC);
    const half = this.fetch16(c, mode, lo, hi, user);
    if (half < 0) return 0;
    if ((half & 3) !== 3) {
      const insn = expandCompressed(half);
      return insn === 0 ? 0 : transformedInstruction(insn, true);
    }
    const nlo = (lo + 2) | 0;
    const upper = this.fetch16(c, mode, nlo, (hi + ((nlo >>> 0) < 2 ? 1 : 0)) | 0, user);
    return upper < 0 ? 0 : transformedInstruction((half | (upper << 16)) | 0, false);
  }

  /** 16 bits of guest code at (lo, hi) (a GPA when `mode` is null: Bare), or -1 when they are not in guest RAM. */
  private fetch16(c: VcpuShadow, mode: PagingMode | null, lo: number, hi: number, user: boolean): number {
    let gpa: number;
    if (mode === null) {
      gpa = hi >>> 0 < 0x8000 ? (hi >>> 0) * TWO32 + (lo >>> 0) : -1;
    } else {
      const va = canonical(lo, hi, mode.vaBits);
      if (va < 0) return -1;
      const before = this.walker.reads;
      gpa = this.walker.walk(mode, this.guestRoot(c), va, Access.FETCH, user, false, false, this, false);
      this.counters.softwarePteReads += this.walker.reads - before;
    }
    if (gpa < 0 || !this.ram.contains(gpa, 2)) return -1;
    return this.mem.view.getUint16(this.ram.backingPage(gpa) + (gpa % PAGE_SIZE) - this.mem.base, true);
  }
}
