/**
 * readMemory, writeMemory and disassemble in DAP terms. Addresses are memory references
 * (0x... for guest virtual memory of the focused vCPU, phys:0x... for guest physical);
 * every size is bounded before anything is read.
 */
import { Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { basename } from 'node:path';
import type { GuestDebugger } from '../hypervisor-core/debug/guest-debugger';
import { MAX_DISASSEMBLE_COUNT, MAX_DISASSEMBLE_OFFSET, disassembleAround } from '../hypervisor-core/debug/disassembly';
import { MemoryRef, memoryReference, parseMemoryReference } from './memory-reference';
import { Args, RequestError, intArg, strArg } from './request-args';
import { MAX_ADDRESS_TEXT } from './breakpoint-bodies';

/** The most bytes one readMemory or writeMemory moves. */
const MAX_READ_BYTES = 1 << 20;
const U64 = 2 ** 64;
const hex = (v: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

/** The `memoryReference` + `offset` arguments as an address. */
export function memoryArg(args: Args): MemoryRef {
  const text = strArg(args, 'memoryReference', MAX_ADDRESS_TEXT);
  const ref = parseMemoryReference(text, intArg(args, 'offset', -U64, U64, 0));
  if (!ref) throw new RequestError(`invalid memory reference '${text}' (use 0x... or phys:0x...)`);
  return ref;
}

/** readMemory: what is readable of the range, the rest counted as unreadable. */
export function readMemory(d: GuestDebugger, vcpu: number, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const ref = memoryArg(args);
  const count = intArg(args, 'count', 0, MAX_READ_BYTES);
  const bytes = ref.space === 'physical' ? d.memory.readPhys(ref.address, count) : d.memory.readVirt(d.hart(vcpu), ref.address, count);
  const data = bytes ?? new Uint8Array(0);
  return {
    address: memoryReference(ref.address, ref.space),
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    unreadableBytes: count - data.length,
  };
}

/** writeMemory: the bytes written, or an error of one line when none could be. */
export function writeMemory(d: GuestDebugger, vcpu: number, args: DebugProtocol.WriteMemoryArguments): { written: number } | { error: string } {
  const ref = memoryArg(args);
  const text = strArg(args, 'data', Math.ceil(MAX_READ_BYTES / 3) * 4);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) throw new RequestError('data must be base64');
  const data = new Uint8Array(Buffer.from(text, 'base64'));
  const written = ref.space === 'physical' ? (d.memory.writePhys(ref.address, data) ? data.length : 0) : d.memory.writeVirt(d.hart(vcpu), ref.address, data);
  if (written === 0 && data.length > 0) return { error: `cannot write guest memory at ${hex(ref.address)}` };
  return { written };
}

/** disassemble: instructions around an address, each with its source line (the file named when it changes). */
export function disassemble(d: GuestDebugger, vcpu: number, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembleResponse['body'] {
  const ref = memoryArg(args);
  const offset = intArg(args, 'instructionOffset', -MAX_DISASSEMBLE_OFFSET, MAX_DISASSEMBLE_OFFSET, 0);
  const count = intArg(args, 'instructionCount', 0, MAX_DISASSEMBLE_COUNT);
  const list = disassembleAround(d, vcpu, ref.address, offset, count);
  let lastPath: string | undefined;
  return {
    instructions: list.map((i) => {
      const ins: DebugProtocol.DisassembledInstruction = {
        address: hex(i.address), instructionBytes: i.bytes || undefined, instruction: i.text,
        symbol: i.symbol, presentationHint: i.unreadable ? 'invalid' : undefined,
      };
      if (i.source) {
        ins.line = i.source.line;
        if (i.source.path !== lastPath) ins.location = new Source(basename(i.source.path), i.source.path);
        lastPath = i.source.path;
      }
      return ins;
    }),
  };
}
