/**
 * The reasons a guest leaves for the hypervisor, as counted in the statistics and offered as
 * exception-breakpoint filters (`exit-<reason>`). The full exit records are the `VmExit`
 * union in `exits.ts`; this is just their names.
 */
export const EXIT_REASONS = [
  'sbi',
  'mmio',
  'guest-page-fault',
  'page-fault',
  'virtual-instruction',
  'wfi',
  'interrupt',
  'illegal-instruction',
  'fault-redirect',
  'halt',
] as const;

/** One exit reason name. */
export type ExitReason = (typeof EXIT_REASONS)[number];
