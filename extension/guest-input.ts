/**
 * Pure helpers for what the user hands the extension: is a file a RISC-V ELF, is a typed
 * address valid, how to show the adapter's translation. No vscode import, so unit tests load it.
 */

/** ELF e_machine for RISC-V. */
const EM_RISCV = 243;

/** True when the first bytes are an ELF for RISC-V (checked so a stray .elf is not offered). */
export function isRiscvElfHeader(head: Uint8Array): boolean {
  if (head.length < 20) return false;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return false;
  const littleEndian = head[5] === 1;
  const machine = littleEndian ? head[18] | (head[19] << 8) : (head[18] << 8) | head[19];
  return machine === EM_RISCV;
}

/** Parses "0x..." hex or a decimal address into canonical "0x..." hex; undefined when it is neither or exceeds 64 bits. */
export function parseAddress(text: string): string | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return `0x${t.slice(2).toLowerCase().replace(/^0+(?=.)/, '')}`;
  if (/^[0-9]{1,20}$/.test(t)) {
    const v = BigInt(t); // once per command, not a hot path
    return v < 1n << 64n ? `0x${v.toString(16)}` : undefined;
  }
  return undefined;
}

/** Text to show for the adapter's `hyperscope.translate` answer: its `text` field when it gives one, else the JSON. */
export function describeTranslation(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { text?: unknown }).text === 'string') {
    return (body as { text: string }).text;
  }
  return JSON.stringify(body, null, 2);
}

/** Guest console text for a terminal: lone "\n" become "\r\n" (the guest may send either). */
export function toTerminalNewlines(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
