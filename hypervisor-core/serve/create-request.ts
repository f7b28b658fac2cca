/**
 * The body of `POST /v1/vms`: checked field by field, then turned into the run options
 * `hyperscope run` takes and parsed by the same parser (cli/args.ts), so a VM of the daemon
 * accepts exactly what `hyperscope run` accepts, with the same ranges and messages.
 */
import { parseRunArgs, RunOptions, UsageError } from '../cli/args';
import { ApiError } from './api-error';
import { NAME_PATTERN } from './router';
import { parseSchedFields, type SchedSettings } from './vm-sched';

/** A create request as the client sends it. */
export interface CreateRequest {
  name: string;
  /** Absolute path of the kernel on the daemon's host (none with `incoming`). */
  kernel?: string;
  /** Wait on 127.0.0.1:PORT for a VM that `vm migrate` sends (no kernel or machine options then). */
  incoming?: string;
  vcpus?: number;
  /** Bytes, or a size as `--memory` takes it ("128M"). */
  memory?: number | string;
  initrd?: string;
  append?: string;
  clock?: 'realtime' | 'icount';
  bios?: 'default' | 'none';
  jit?: boolean;
  svadu?: boolean;
  virtioConsole?: boolean;
  rng?: boolean;
  /** The RISC-V AIA (APLIC + IMSICs) instead of the PLIC (`--aia`). */
  aia?: boolean;
  /** A virtio memory balloon (`--balloon`), inflated to `balloonTarget` (bytes or "64M") once the guest's driver is up. */
  balloon?: boolean;
  balloonTarget?: number | string;
  disks?: { path: string; readOnly?: boolean }[];
  /** A virtio-net NIC on the daemon's switch `switch` (`--net switch=NAME[,mac=MAC]`), shared with the other VMs on it. */
  net?: { switch: string; mac?: string };
  /** Memory virtualisation (`--mmu`): "two-stage" or "shadow". */
  mmu?: string;
  /** CPU virtualisation (`--cpu-virt`): "hardware" or "trap-emulate". */
  cpuVirt?: string;
  /** Host threads the vCPUs run on in parallel (`--threads`; default 1: the vCPUs take turns on the VM's thread). */
  threads?: number;
  /** The credit scheduler's weight (default 256) and cap (percent of one host CPU, 0 = none): serve/vm-sched.ts. */
  weight?: number;
  cap?: number;
}

/** Longest string field (a kernel command line included). */
const MAX_STRING = 4096;

type FieldKind = 'name' | 'path' | 'string' | 'integer' | 'size' | 'boolean' | 'clock' | 'bios' | 'disks' | 'net' | 'sched';

const FIELDS: Record<keyof CreateRequest, FieldKind> = {
  name: 'name', kernel: 'path', vcpus: 'integer', memory: 'size', initrd: 'path', append: 'string', clock: 'clock',
  bios: 'bios', jit: 'boolean', svadu: 'boolean', virtioConsole: 'boolean', rng: 'boolean', aia: 'boolean', disks: 'disks',
  balloon: 'boolean', balloonTarget: 'size', incoming: 'string', net: 'net', mmu: 'string', cpuVirt: 'string',
  threads: 'integer', weight: 'sched', cap: 'sched',
};

/** The fields a create request may carry (docs/api.json's CreateRequest describes exactly these). */
export const CREATE_REQUEST_FIELDS: readonly string[] = Object.keys(FIELDS);

/** Checks a create request and returns the VM's name, run options and scheduling settings; 'bad-request' otherwise. */
export function parseCreateRequest(body: unknown): { name: string; options: RunOptions; sched: Partial<SchedSettings> } {
  const r = parseMachine(body);
  return { ...r, sched: parseSchedFields(body as Record<string, unknown>) };
}

function parseMachine(body: unknown): { name: string; options: RunOptions } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!Object.prototype.hasOwnProperty.call(FIELDS, key)) throw bad(`unknown field '${key.slice(0, 40)}'`);
    check(key, FIELDS[key as keyof CreateRequest], b[key]);
  }
  if (b.name === undefined) throw bad("missing field 'name'");
  const r = b as unknown as CreateRequest;
  if (r.incoming !== undefined) {
    const other = Object.keys(b).find((k) => k !== 'name' && k !== 'incoming' && k !== 'jit' && k !== 'weight' && k !== 'cap' && k !== 'threads');
    if (other) throw bad(`'${other}' comes from the migrated VM with 'incoming'`);
    try {
      // threads: checked against the migrated VM's board when it arrives (one thread when it does not fit).
      const threads = r.threads ?? 1;
      if (threads > 32) throw bad(`'threads' must be 1 to 32 (one thread per vCPU at most)`);
      return { name: r.name, options: { ...parseRunArgs(['--incoming', r.incoming, ...(r.jit === false ? ['--no-jit'] : [])]), threads } };
    } catch (e) {
      if (e instanceof UsageError) throw bad(e.message);
      throw e;
    }
  }
  if (r.kernel === undefined) throw bad("missing field 'kernel'");
  const argv = [r.kernel];
  if (r.vcpus !== undefined) argv.push('--vcpus', String(r.vcpus));
  if (r.memory !== undefined) argv.push('--memory', String(r.memory));
  if (r.initrd !== undefined) argv.push('--initrd', r.initrd);
  if (r.append !== undefined) argv.push('--append', r.append);
  if (r.clock !== undefined) argv.push('--clock', r.clock);
  if (r.bios !== undefined) argv.push('--bios', r.bios);
  if (r.jit === false) argv.push('--no-jit');
  if (r.svadu === false) argv.push('--no-svadu');
  if (r.virtioConsole) argv.push('--virtio-console');
  if (r.rng) argv.push('--rng');
  if (r.aia) argv.push('--aia');
  if (r.mmu !== undefined) argv.push('--mmu', r.mmu);
  if (r.cpuVirt !== undefined) argv.push('--cpu-virt', r.cpuVirt);
  if (r.balloon) argv.push('--balloon');
  if (r.balloonTarget !== undefined) argv.push('--balloon-target', String(r.balloonTarget));
  for (const d of r.disks ?? []) argv.push(d.readOnly ? '--disk-readonly' : '--disk', d.path);
  if (r.net) argv.push('--net', `switch=${r.net.switch}${r.net.mac !== undefined ? `,mac=${r.net.mac}` : ''}`);
  // By default one host thread per VM (the vCPUs take turns on it); --threads N runs them in
  // parallel on N vCPU threads, checked by the run parser against the other options.
  argv.push('--threads', String(r.threads ?? 1));
  try {
    return { name: r.name, options: parseRunArgs(argv) };
  } catch (e) {
    if (e instanceof UsageError) throw bad(e.message);
    throw e;
  }
}

/** The request body for run options (what the client sends; the inverse of parseCreateRequest). */
export function createRequestOf(name: string, o: RunOptions): CreateRequest {
  if (o.incoming !== undefined) return { name, incoming: o.incoming, ...(o.jit ? {} : { jit: false }), ...(o.threads > 1 ? { threads: o.threads } : {}) };
  const r: CreateRequest = { name, kernel: o.kernel, vcpus: o.vcpus, memory: o.memory, clock: o.clock, bios: o.bios };
  if (o.initrd !== undefined) r.initrd = o.initrd;
  if (o.append !== undefined) r.append = o.append;
  if (!o.jit) r.jit = false;
  if (!o.svadu) r.svadu = false;
  if (o.virtioConsole) r.virtioConsole = true;
  if (o.rng) r.rng = true;
  if (o.aia) r.aia = true;
  if (o.mmu !== 'two-stage') r.mmu = o.mmu;
  if (o.cpuVirt !== 'hardware') r.cpuVirt = o.cpuVirt;
  if (o.balloon) r.balloon = true;
  if (o.balloonTarget !== undefined) r.balloonTarget = o.balloonTarget;
  if (o.disks.length > 0) r.disks = o.disks.map((d) => ({ path: d.path, readOnly: d.readOnly }));
  if (o.threads > 1) r.threads = o.threads;
  if (o.net?.kind === 'switch' && o.net.switch !== undefined) r.net = { switch: o.net.switch, ...(o.net.mac !== undefined ? { mac: o.net.mac } : {}) };
  return r;
}

function bad(message: string): ApiError {
  return new ApiError('bad-request', message);
}

function check(key: string, kind: FieldKind, v: unknown): void {
  switch (kind) {
    case 'name':
      if (typeof v !== 'string' || !NAME_PATTERN.test(v)) throw bad(`'${key}' must be a VM name: letters, digits, '.', '_', '-', at most 64 characters`);
      return;
    case 'path':
      if (typeof v !== 'string' || !v.startsWith('/') || v.length > MAX_STRING || v.includes('\0')) {
        throw bad(`'${key}' must be an absolute file path on the daemon's host`);
      }
      return;
    case 'string':
      if (typeof v !== 'string' || v.length > MAX_STRING || v.includes('\0')) throw bad(`'${key}' must be a string of at most ${MAX_STRING} characters`);
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(`'${key}' must be an integer`);
      return;
    case 'size':
      if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) && !(typeof v === 'string' && v.length <= 32)) {
        throw bad(`'${key}' must be a byte count or a size such as "128M"`);
      }
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad(`'${key}' must be true or false`);
      return;
    case 'clock':
      if (v !== 'realtime' && v !== 'icount') throw bad(`'${key}' must be "realtime" or "icount"`);
      return;
    case 'bios':
      if (v !== 'default' && v !== 'none') throw bad(`'${key}' must be "default" or "none"`);
      return;
    case 'sched':
      return; // checked by parseSchedFields
    case 'net': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`'${key}' must be an object { switch, mac? }`);
      for (const k of Object.keys(v)) if (k !== 'switch' && k !== 'mac') throw bad(`unknown field '${k.slice(0, 40)}' in '${key}'`);
      const { switch: sw, mac } = v as { switch?: unknown; mac?: unknown };
      // Commas would smuggle other parameters into the --net text the run parser reads.
      if (typeof sw !== 'string' || !NAME_PATTERN.test(sw)) throw bad(`'${key}.switch' must be a switch name: letters, digits, '.', '_', '-', at most 64 characters`);
      if (mac !== undefined && (typeof mac !== 'string' || !/^[0-9A-Fa-f:]{1,17}$/.test(mac))) throw bad(`'${key}.mac' must be a MAC address such as 52:54:00:12:34:57`);
      return;
    }
    case 'disks':
      if (!Array.isArray(v) || v.length > 8) throw bad(`'${key}' must be a list of at most 8 disks`);
      for (const d of v) {
        if (typeof d !== 'object' || d === null || Array.isArray(d)) throw bad(`each of '${key}' must be an object { path, readOnly }`);
        for (const k of Object.keys(d)) if (k !== 'path' && k !== 'readOnly') throw bad(`unknown field '${k.slice(0, 40)}' in a disk`);
        check('disks[].path', 'path', (d as { path?: unknown }).path);
        const ro = (d as { readOnly?: unknown }).readOnly;
        if (ro !== undefined) check('disks[].readOnly', 'boolean', ro);
      }
      return;
  }
}
