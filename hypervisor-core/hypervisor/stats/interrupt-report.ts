/**
 * The interrupt part of the statistics (`--stats-json` "interrupts", the `--stats` line under
 * the tables, the Exit Statistics panel): how many interrupts reached the guest and how many
 * VM exits each cost, overall and at the interrupt controller. Under the PLIC every external
 * interrupt costs a claim and a complete (two MMIO exits); with AIA the guest claims from its
 * own interrupt file through a CSR and the controller is touched only to configure it.
 */

/** Interrupt counts of one VM. */
export interface InterruptReport {
  /** The board's controller: "plic", or "aia" (APLIC + IMSIC guest interrupt files). */
  controller: 'plic' | 'aia';
  /**
   * External interrupts delivered: claimed at the PLIC, or MSIs written into the vCPUs'
   * guest interrupt files (from the APLIC, and the guests' own stores to IMSIC pages: IPIs).
   */
  external: number;
  /** Software interrupts the hypervisor injected (SBI IPIs, hvip.VSSIP). */
  ipis: number;
  /** external + ipis. */
  delivered: number;
  /** VM exits in the run, slice ends (host timer) not counted. */
  exits: number;
  /** MMIO exits to the interrupt controller (PLIC or APLIC registers). */
  controllerExits: number;
  /** exits / delivered (0 when nothing was delivered). */
  exitsPerInterrupt: number;
  /** controllerExits / delivered (0 when nothing was delivered). */
  controllerExitsPerInterrupt: number;
  /** AIA: blocked vCPUs woken by a guest external interrupt (SGEI at the hart). */
  sgeiWakeups?: number;
}

/** The raw counts a VM keeps (the rest is derived). */
export interface InterruptCounts {
  controller: 'plic' | 'aia';
  external: number;
  ipis: number;
  sgeiWakeups?: number;
}

/** Builds the report from the counts and the exit totals of the same run. */
export function interruptReport(c: InterruptCounts, exits: number, controllerExits: number): InterruptReport {
  const delivered = c.external + c.ipis;
  const per = (n: number) => (delivered === 0 ? 0 : n / delivered);
  return {
    controller: c.controller, external: c.external, ipis: c.ipis, delivered, exits, controllerExits,
    exitsPerInterrupt: per(exits), controllerExitsPerInterrupt: per(controllerExits),
    ...(c.sgeiWakeups !== undefined ? { sgeiWakeups: c.sgeiWakeups } : {}),
  };
}

/** One line for the `--stats` text. */
export function formatInterruptLine(r: InterruptReport): string {
  const name = r.controller === 'aia' ? 'AIA: APLIC + IMSIC' : 'PLIC';
  const wake = r.sgeiWakeups !== undefined ? `, ${r.sgeiWakeups} SGEI wake-ups` : '';
  return `Interrupts (${name}): ${r.delivered} delivered (${r.external} external, ${r.ipis} IPIs)${wake}; ` +
    `${r.exitsPerInterrupt.toFixed(2)} exits per interrupt, ${r.controllerExitsPerInterrupt.toFixed(2)} at the interrupt controller.`;
}
