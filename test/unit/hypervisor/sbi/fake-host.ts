/** A recording SbiHost for the SBI unit tests: RAM is [ramBase, ramBase + ram.length). */
import { HartState, RemoteFence, SbiGuestFault, SbiHost } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';

export class FakeHost implements SbiHost {
  readonly implId = 0x4859;
  readonly implVersion = 0x10000;
  readonly ram: Uint8Array;
  readonly out: number[] = [];
  input: number[] = [];
  readonly timers: Array<[number, bigint]> = [];
  readonly ipis: number[] = [];
  readonly fences: Array<[number, RemoteFence]> = [];
  readonly states: number[];
  readonly started: Array<[number, bigint, bigint]> = [];
  readonly stopped: number[] = [];
  readonly suspended: Array<[number, bigint | undefined, bigint | undefined]> = [];
  readonly resets: Array<[number, number]> = [];
  pendingIpi = new Set<number>();
  clearIpi?: (hartId: number) => boolean;
  readGuestVirt?: (hartId: number, gva: bigint, length: number) => Uint8Array | SbiGuestFault;
  /** Steal time per hart in ns (STA reads it); tests move it forward. */
  readonly steal: number[] = [];

  stealNs(hartId: number): number {
    return this.steal[hartId] ?? 0;
  }

  constructor(
    readonly hartCount = 4,
    readonly ramBase = 0x8000_0000n,
    ramSize = 0x10000,
  ) {
    this.ram = new Uint8Array(ramSize);
    this.states = Array.from({ length: hartCount }, (_, i) => (i === 0 ? HartState.STARTED : HartState.STOPPED));
  }

  consoleWrite(bytes: Uint8Array): void {
    this.out.push(...bytes);
  }
  consoleRead(): number {
    return this.input.length ? this.input.shift()! : -1;
  }
  private offset(gpa: bigint, length: number): number {
    const off = gpa - this.ramBase;
    if (off < 0n || off + BigInt(length) > BigInt(this.ram.length)) return -1;
    return Number(off);
  }
  readGuestPhys(gpa: bigint, length: number): Uint8Array | null {
    const off = this.offset(gpa, length);
    return off < 0 ? null : this.ram.slice(off, off + length);
  }
  writeGuestPhys(gpa: bigint, bytes: Uint8Array): boolean {
    const off = this.offset(gpa, bytes.length);
    if (off < 0) return false;
    this.ram.set(bytes, off);
    return true;
  }
  setTimer(hartId: number, deadline: bigint): void {
    this.timers.push([hartId, deadline]);
  }
  sendIpi(hartId: number): void {
    this.ipis.push(hartId);
  }
  remoteFence(hartId: number, fence: RemoteFence): void {
    this.fences.push([hartId, fence]);
  }
  hartState(hartId: number): number {
    return this.states[hartId];
  }
  hartStart(hartId: number, startAddr: bigint, opaque: bigint): void {
    this.started.push([hartId, startAddr, opaque]);
    this.states[hartId] = HartState.START_PENDING;
  }
  hartStop(hartId: number): void {
    this.stopped.push(hartId);
    this.states[hartId] = HartState.STOPPED;
  }
  hartSuspend(hartId: number, resumeAddr?: bigint, opaque?: bigint): void {
    this.suspended.push([hartId, resumeAddr, opaque]);
  }
  systemReset(type: number, reason: number): void {
    this.resets.push([type, reason]);
  }
  time(): bigint {
    return 12345n;
  }
}
