/**
 * JSON bodies of the page-table custom requests (addresses as "0x..." strings):
 *
 *   hyperscope.pageTable { vcpu, stage: 'vs' | 'g' } ->
 *     { stage, mode, root, entries: Entry[], leaves, truncated? }
 *     Entry = { index, level, pteAddress, pte, flags ("VRWXUGAD", '-' when clear), target,
 *               va? (leaves: first GVA or GPA mapped), children? (next-level valid entries) }
 *   hyperscope.pageTable { vcpu, stage, lazy: true } or { vcpu, stage, table, level, base } ->
 *     { stage, mode, root, levels, lazy: true, entries: Entry[] }: one table (the root, or the
 *     table at `table` of `level` mapping from `base`), pointers with `base` and no children
 *   hyperscope.translate { address, vcpu? } ->
 *     { text, gva, mode, root, fault?, gpa?, hpa?, hpaFromSlot?,
 *       steps: [{ level, pteAddress, pte, flags, gstage: Walk }], gstage?: Walk }
 *     Walk = { mode, root, steps: [{ level, pteAddress, pte, flags }], output?, fault? }
 */
import type { PageTableDump, PageTableEntry, AddressWalk } from '../hypervisor-core/debug/page-tables';
import type { Translation } from '../hypervisor-core/debug/guest-memory';

const hex = (v: bigint): string => '0x' + v.toString(16);
const opt = (v: bigint | undefined): string | undefined => (v === undefined ? undefined : hex(v));

function entryJson(e: PageTableEntry): Record<string, unknown> {
  return {
    index: e.index, level: e.level, pteAddress: hex(e.pteAddress), pte: hex(e.pte), flags: e.flags, target: hex(e.target),
    va: opt(e.va), children: e.children?.map(entryJson), base: opt(e.base),
  };
}

/** The body of `hyperscope.pageTable`. */
export function pageTableJson(d: PageTableDump): Record<string, unknown> {
  return { stage: d.stage, mode: d.mode, root: hex(d.root), entries: d.entries.map(entryJson), leaves: d.leaves, truncated: d.truncated };
}

/** The body of a one-table `hyperscope.pageTable` (the lazy Page Tables view). */
export function pageTableLevelJson(stage: string, t: { mode: string; root: bigint; levels: number; entries: PageTableEntry[] }): Record<string, unknown> {
  return { stage, mode: t.mode, root: hex(t.root), levels: t.levels, lazy: true, entries: t.entries.map(entryJson) };
}

function walkJson(w: AddressWalk): Record<string, unknown> {
  return {
    mode: w.mode, root: hex(w.root), output: opt(w.output), fault: w.fault,
    steps: w.steps.map((s) => ({ level: s.level, pteAddress: hex(s.pteAddress), pte: hex(s.pte), flags: s.flags })),
  };
}

/** The body of `hyperscope.translate` (with the console's text). */
export function translationJson(t: Translation, text: string): Record<string, unknown> {
  return {
    text, gva: hex(t.gva), mode: t.mode, root: hex(t.root), fault: t.fault, gpa: opt(t.gpa), hpa: opt(t.hpa), hpaFromSlot: t.hpaFromSlot,
    steps: t.steps.map((s) => ({ level: s.level, pteAddress: hex(s.pteAddress), pte: hex(s.pte), flags: s.flags, gstage: walkJson(s.gstage) })),
    gstage: t.gstage ? walkJson(t.gstage) : undefined,
  };
}
