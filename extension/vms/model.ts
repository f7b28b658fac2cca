/**
 * The Virtual Machines view's model (no VS Code): a row per VM of the daemon with its state,
 * vCPUs, memory balloon and network, the context value its actions key on, and console bytes
 * made fit for a terminal.
 */
import type { VmInfo } from '../../hypervisor-core/serve/vm-host';

/** One row of the view. */
export interface VmRow {
  name: string;
  label: string;
  /** Shown after the label: "running · 2 vCPUs · 128M", then "· balloon 32M" when it has one. */
  description: string;
  tooltip: string;
  /** `vm-running`, `vm-paused`, `vm-shut-off` or `vm-crashed`: the menus' `viewItem`. */
  contextValue: string;
  /** A codicon name for the state. */
  icon: string;
}

const ICONS: Record<VmInfo['state'], string> = {
  running: 'vm-running', paused: 'debug-pause', 'shut off': 'vm-outline', crashed: 'error',
};

/** The rows for the daemon's VMs, in its order. */
export function vmRows(vms: readonly VmInfo[]): VmRow[] {
  return vms.map((v) => ({
    name: v.name,
    label: v.name,
    description: `${v.state} · ${v.vcpus} vCPU${v.vcpus === 1 ? '' : 's'} · ${memoryText(v.memory)}`
      + (v.balloon ? ` · balloon ${sizeText(v.balloon.actualBytes)}` : ''),
    tooltip: [
      `${v.name}: ${v.state}${v.reason ? ` (${v.reason})` : ''}`,
      `kernel ${v.kernel}`,
      `${v.vcpus} vCPU${v.vcpus === 1 ? '' : 's'}, ${memoryText(v.memory)} RAM, ${v.clock} clock`,
      `${v.instructions.toLocaleString('en-US')} instructions, ${v.exits.toLocaleString('en-US')} exits since boot`,
      ...(v.balloon ? [balloonText(v.balloon)] : []),
      ...(v.weight !== undefined ? [`scheduler: weight ${v.weight}, cap ${v.cap ? `${v.cap}% of a host CPU` : 'none'}`] : []),
      ...(v.net ? [`net: ${v.net.mac} on switch ${v.net.switch} port ${v.net.port}`] : []),
    ].join('\n'),
    contextValue: `vm-${v.state.replace(' ', '-')}`,
    icon: ICONS[v.state] ?? 'vm',
  }));
}

/**
 * The balloon line of the tooltip, as `virsh dommemstat` reads: target and actual size, the
 * host memory the VM holds, and the guest's own available memory once its driver sent it.
 */
function balloonText(b: NonNullable<VmInfo['balloon']>): string {
  const available = b.guest.available;
  return `balloon ${sizeText(b.actualBytes)} (target ${sizeText(b.targetBytes)}), host memory committed ${sizeText(b.committedBytes)}`
    + (available !== undefined ? `, guest available ${sizeText(available * 1024)}` : '');
}

/** A size in MiB with one decimal ("29.7M"), whole MiB without it ("32M"). */
export function sizeText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib}M` : `${mib.toFixed(1)}M`;
}

/** 128M, 1G, or bytes when not a whole number of MiB. */
export function memoryText(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (!Number.isInteger(mib)) return `${bytes} B`;
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

/**
 * Console bytes for a terminal: a lone LF becomes CRLF (a guest printing "\n" expects the
 * cursor back at column 0, as a serial terminal with onlcr gives it). `lastWasCr` carries a
 * CR that ended the previous chunk.
 */
export function terminalText(text: string, lastWasCr: boolean): { text: string; lastWasCr: boolean } {
  let out = '';
  let cr = lastWasCr;
  for (const ch of text) {
    if (ch === '\n' && !cr) out += '\r';
    out += ch;
    cr = ch === '\r';
  }
  return { text: out, lastWasCr: cr };
}
