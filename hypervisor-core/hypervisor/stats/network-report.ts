/**
 * The network part of the statistics (`--stats-json` "network", `--stats` "network" table):
 * each virtio-net device's own counters and the ports of the switches they are on.
 */
import type { VirtioMmioTransport } from '../../devices/virtio/transport/mmio';
import { VirtioNet, type NetDeviceCounters } from '../../devices/virtio/net/device';
import type { SwitchReport, VirtualSwitch } from '../../net/switch';

/** One NIC of the VM. */
export interface NicReport extends NetDeviceCounters {
  /** Device name ("virtio-net0"). */
  name: string;
  mac: string;
  /** The switch it is on and its port there (absent when not connected). */
  switch?: string;
  port?: number;
  /** Malformed descriptor chains or queue layouts (the device needed a reset). */
  deviceErrors: number;
  /** Frames the NIC sent that its link to a switch in another thread dropped (a full relay window; `hyperscope serve`). */
  linkDropped?: number;
}

/** The "network" member of the statistics report. */
export interface NetworkReport {
  nics: NicReport[];
  switches: SwitchReport[];
}

/** The network report of a VM's virtio transports, or undefined when it has no NIC. */
export function networkReport(transports: readonly (VirtioMmioTransport | undefined)[]): NetworkReport | undefined {
  const nics: NicReport[] = [];
  const switches: VirtualSwitch[] = [];
  for (const t of transports) {
    if (!(t?.device instanceof VirtioNet)) continue;
    const dev = t.device;
    const port = dev.switchPort;
    if (port && !switches.includes(port.sw)) switches.push(port.sw);
    nics.push({ name: t.name, mac: dev.macText, switch: port?.sw.name, port: port?.index, ...dev.counters, deviceErrors: t.errorCount });
  }
  if (nics.length === 0) return undefined;
  return { nics, switches: switches.map((s) => s.report()) };
}

/** The report as text: one line per NIC and per switch port. */
export function formatNetworkReport(r: NetworkReport): string {
  const lines = ['network:'];
  for (const n of r.nics) {
    lines.push(`  ${n.name} ${n.mac}${n.switch !== undefined ? ` on switch ${n.switch} port ${n.port}` : ''}: ` +
      `tx ${n.txFrames} frames ${n.txBytes} bytes, rx ${n.rxFrames} frames ${n.rxBytes} bytes; dropped: ` +
      `tx oversize ${n.txOversize}, tx malformed ${n.txMalformed}, rx backlog full ${n.rxBacklogFull}, ` +
      `rx too big ${n.rxTooBig}, rx not ready ${n.rxNotReady}; device errors ${n.deviceErrors}`);
  }
  for (const s of r.switches) {
    lines.push(`  switch ${s.name}:`);
    for (const p of s.ports) {
      lines.push(`    port ${p.port} ${p.name}: in ${p.rxFrames} frames ${p.rxBytes} bytes, out ${p.txFrames} frames ${p.txBytes} bytes; ` +
        `dropped: malformed ${p.rxMalformed}, unknown destination ${p.rxUnknownDestination}, receiver full ${p.txDropped}`);
    }
  }
  return lines.join('\n') + '\n';
}
