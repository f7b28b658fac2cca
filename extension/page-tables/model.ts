/**
 * What the Page Tables view shows, from the adapter's `hyperscope.pageTable` answer
 * ({ stage, mode, root, entries, leaves, truncated? }, entries as
 * { index, level, pteAddress, pte, flags "VRWXUGAD", target, va?, children? }, addresses as
 * "0x..." strings; see debug-adapter/page-table-json.ts). Pure: no vscode import.
 */

/** One valid PTE as the adapter sends it. */
export interface PteJson {
  index: number;
  level: number;
  pteAddress: string;
  pte: string;
  flags: string;
  target: string;
  va?: string;
  children?: PteJson[];
  /** A pointer of a one-table answer: the first input address its table maps (its children come on request). */
  base?: string;
}

/** The answer of `hyperscope.pageTable`. */
export interface PageTableJson {
  stage: 'vs' | 'g';
  mode: string;
  root: string;
  entries: PteJson[];
  leaves?: number;
  truncated?: boolean;
  /** One table only (the root): pointers' tables are asked for when expanded. */
  lazy?: boolean;
}

/** Texts of one tree item. */
export interface ItemText {
  label: string;
  description: string;
  tooltip: string;
}

const hexOf = (v: unknown): string => (typeof v === 'number' ? `0x${v.toString(16)}` : String(v));

function isEntry(x: unknown): x is PteJson {
  const e = x as PteJson;
  return !!e && typeof e === 'object' && typeof e.index === 'number' && typeof e.level === 'number' && typeof e.flags === 'string';
}

/** Validates an answer (numbers are accepted for addresses and turned into hex strings). */
export function parsePageTable(body: unknown, stage: 'vs' | 'g'): PageTableJson | undefined {
  const b = body as Partial<PageTableJson> | undefined;
  if (!b || typeof b !== 'object' || typeof b.mode !== 'string' || !Array.isArray(b.entries)) return undefined;
  const fix = (e: PteJson): PteJson => ({
    ...e, pteAddress: hexOf(e.pteAddress), pte: hexOf(e.pte), target: hexOf(e.target),
    va: e.va === undefined ? undefined : hexOf(e.va), base: e.base === undefined ? undefined : hexOf(e.base),
    children: Array.isArray(e.children) ? e.children.filter(isEntry).map(fix) : undefined,
  });
  return {
    stage: b.stage === 'g' || b.stage === 'vs' ? b.stage : stage, mode: b.mode, root: hexOf(b.root),
    entries: b.entries.filter(isEntry).map(fix), leaves: typeof b.leaves === 'number' ? b.leaves : undefined,
    truncated: b.truncated === true, lazy: b.lazy === true,
  };
}

/** Page size mapped by a leaf at `level` (4 KiB pages, 512 entries per table). */
export function leafSize(level: number): string {
  return ['4K', '2M', '1G', '512G', '256T'][level] ?? `2^${12 + 9 * level}`;
}

/** A PTE is a leaf when R, W or X is set (flags "VRWXUGAD"). */
export function isLeaf(e: PteJson): boolean {
  return /[RWX]/.test(e.flags.slice(1, 4));
}

/** Names of the set permission bits, for tooltips. */
function flagNames(flags: string): string {
  const names = ['valid', 'read', 'write', 'execute', 'user', 'global', 'accessed', 'dirty'];
  return names.filter((_, i) => flags[i] && flags[i] !== '-').join(', ') || 'none';
}

/** The header item of a stage: which register, mode and root. */
export function stageText(t: PageTableJson | undefined, stage: 'vs' | 'g', error?: string): ItemText {
  const reg = stage === 'vs' ? 'vsatp' : 'hgatp';
  const name = stage === 'vs' ? 'VS-stage' : 'G-stage';
  const what = stage === 'vs' ? 'guest virtual -> guest physical' : 'guest physical -> host physical';
  if (error) return { label: `${name} (${reg})`, description: error, tooltip: `${name} (${what}): ${error}` };
  if (!t) return { label: `${name} (${reg})`, description: 'no answer', tooltip: name };
  if (t.mode.toLowerCase() === 'bare') {
    return {
      label: `${name} (${reg})`, description: 'Bare: no translation',
      tooltip: `${reg}.MODE = Bare: ${stage === 'vs' ? 'the guest runs without paging (GVA = GPA)' : 'no G-stage translation'}`,
    };
  }
  const leaves = t.leaves ?? 0;
  if (t.lazy) {
    return {
      label: `${name} (${reg})`, description: `${t.mode}, root ${t.root}, ${t.entries.length} valid root entr${t.entries.length === 1 ? 'y' : 'ies'}`,
      tooltip: `${name}: ${what}\nmode ${t.mode}\nroot table at ${stage === 'vs' ? 'GPA' : 'HPA'} ${t.root}\nTables are read when expanded.`,
    };
  }
  return {
    label: `${name} (${reg})`,
    description: `${t.mode}, root ${t.root}, ${leaves} leaf PTE${leaves === 1 ? '' : 's'}${t.truncated ? ' (truncated)' : ''}`,
    tooltip: `${name}: ${what}\nmode ${t.mode}\nroot table at ${stage === 'vs' ? 'GPA' : 'HPA'} ${t.root}`,
  };
}

/** One PTE: index and level, where it points, the flags and the PTE itself. */
export function entryText(e: PteJson, stage: 'vs' | 'g'): ItemText {
  const [inName, outName] = stage === 'vs' ? ['GVA', 'GPA'] : ['GPA', 'HPA'];
  const tableAddr = stage === 'vs' ? 'GPA' : 'HPA';
  const idx = `L${e.level}[${e.index}]`;
  const pte = `PTE ${e.pte} @ ${e.pteAddress}`;
  if (isLeaf(e)) {
    const from = e.va ? `${e.va} -> ` : '';
    return {
      label: `${idx} ${from}${e.target}`,
      description: `${leafSize(e.level)} ${e.flags} · ${pte}`,
      tooltip: [
        `Level ${e.level} leaf, index ${e.index}: a ${leafSize(e.level)} page`,
        e.va ? `${inName} ${e.va} -> ${outName} ${e.target}` : `${outName} ${e.target}`,
        `flags ${e.flags} (${flagNames(e.flags)})`,
        `PTE value ${e.pte} at ${tableAddr} ${e.pteAddress}`,
      ].join('\n'),
    };
  }
  const n = e.children?.length;
  return {
    label: `${idx} -> table ${e.target}`,
    description: `${n === undefined ? '' : `${n} valid · `}${e.flags} · ${pte}`,
    tooltip: [
      `Level ${e.level} pointer, index ${e.index}: next-level table at ${tableAddr} ${e.target}${n === undefined ? '' : ` (${n} valid entries)`}`,
      `flags ${e.flags} (${flagNames(e.flags)})`,
      `PTE value ${e.pte} at ${tableAddr} ${e.pteAddress}`,
    ].join('\n'),
  };
}
