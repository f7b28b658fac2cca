/**
 * What the adapter announces in its `initialize` response: the protocol features it
 * implements and its exception filters (VM exits and traps taken inside the guest), each
 * with a label and an example condition.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FILTER_MODES } from '../hypervisor-core/debug/filter-actions';
import { EXIT_FILTER_IDS } from '../hypervisor-core/debug/exit-breakpoints';
import { GUEST_TRAP_FILTER_IDS } from '../hypervisor-core/debug/guest-trap-breakpoints';

/** Labels of the exception-breakpoint filters. */
const FILTER_LABELS: Record<string, string> = {
  'exit-sbi': 'VM exit: SBI call', 'exit-mmio': 'VM exit: MMIO access', 'exit-guest-page-fault': 'VM exit: guest page fault',
  'exit-virtual-instruction': 'VM exit: virtual instruction', 'exit-wfi': 'VM exit: WFI', 'exit-interrupt': 'VM exit: interrupt / slice end',
  'exit-illegal-instruction': 'VM exit: illegal instruction', 'exit-page-fault': 'VM exit: page fault (shadow paging)',
  'guest-exception': 'Guest exception (trap taken inside the guest)', 'guest-interrupt': 'Guest interrupt (taken inside the guest)',
};

/** Example conditions shown in the filters' condition boxes. */
const CONDITION_HELP: Record<string, string> = {
  'exit-sbi': 'e.g. eid == 0x54494D45 (TIME), fid == 0, ext == \'DBCN\', vcpu == 1',
  'exit-mmio': 'e.g. gpa >= 0x10000000 && gpa < 0x10000008, write, device == \'uart0\'',
  'exit-guest-page-fault': 'e.g. cause == 21, gpa >= 0x80400000',
  'guest-exception': 'e.g. cause == 13 (load page fault), user == 1, tval >= 0x400000, vcpu == 1',
  'guest-interrupt': 'e.g. cause == 5 (timer), cause == 9 (external)',
};

/** The body of the `initialize` response. */
export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsFunctionBreakpoints: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsInstructionBreakpoints: true,
    supportsDisassembleRequest: true,
    supportsReadMemoryRequest: true,
    supportsWriteMemoryRequest: true,
    supportsSteppingGranularity: true,
    supportsSetVariable: true,
    supportsSetExpression: true,
    supportsExceptionInfoRequest: true,
    supportsExceptionFilterOptions: true,
    supportsEvaluateForHovers: true,
    supportsTerminateRequest: true,
    supportsDataBreakpoints: true,
    supportsRestartRequest: true,
    supportsStepBack: true,
    supportTerminateDebuggee: true,
    exceptionBreakpointFilters: [...EXIT_FILTER_IDS, ...GUEST_TRAP_FILTER_IDS].map((id) => ({
      filter: id, label: FILTER_LABELS[id] ?? id, default: false, supportsCondition: true,
      conditionDescription: CONDITION_HELP[id] ?? 'e.g. vcpu == 1, cause == 13, pc == 0x80200000',
    })),
    // Exception filters can log or count instead of stopping (HyperDbg's events with actions).
    breakpointModes: FILTER_MODES.map((m) => ({ ...m, appliesTo: ['exception'] })),
  };
}
