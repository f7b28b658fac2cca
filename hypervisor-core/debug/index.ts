/**
 * The debugger facade's public entry point: what the debug adapter, the Linux commands and
 * a gdb stub import. C-level access (typed values from DWARF) is here:
 *
 *   const c = cContext(d, vcpu);                       // scope of the innermost frame
 *   const task = c.lookup('init_task');                 // a global, as a typed value
 *   const comm = memberOf(task!, 'comm');               // a member
 *   formatValue(comm!, c.mem);                          // gdb's text: "swapper/0\000..."
 *   const p = memberOf(task!, 'parent');                // a pointer...
 *   derefOf(p!, c.mem);                                 // ...followed
 *   childrenOf(task!, c.mem).map((m) => m.name);        // members
 *   const t = c.namedType('struct task_struct');        // a type by name
 *   valueAt(t!, address);                               // a value of a type at an address
 *   findMember(t!, 'tasks')?.offset;                    // offsetof, for container_of
 */
export { GuestDebugger } from './guest-debugger';
export type { DisplayFrame, StopEvent, DebugLaunchOptions } from './guest-debugger';
export { debugThreadCount } from './debug-threads';
export { cContext, programsOf, valueMemory } from './c-context';
export { FrameScope, globalValue } from './frame-scope';
export type { FrameState, NamedValue } from './frame-scope';
export { ProgramDwarf } from './program';
export {
  ARRAY_PAGE, assign, charArrayText, childCount, childrenOf, cString, derefOf, elementOf, floatText, formatValue, fromLocation,
  intValue, memberOf, memberValue, readBytes, toBigInt, toDouble, valueAt,
} from './values';
export type { CValue, ValueChild, ValueMemory } from './values';
export { findMember, isCharType, isInteger, isSigned, sizeOf, strip, typeName } from './types';
export type { CType, Member } from './types';
// Registers by name and by number (a gdb stub's view), memory, the console commands.
export { REGISTERS, readRegister, registerByName, writeRegister, privilegeName } from './registers';
export type { RegisterDef, RegisterGroup } from './registers';
export {
  csrExists, FP_CSRS, implementedCsrs, readCsrValue, readFpr, readPriv, readVirt, writeCsrValue, writeFpr, writePriv,
} from './machine-registers';
export { evaluateConsole, translateText } from './console-commands';
export { bigAddr, codeAddr, hexAddr, isCodeAddr } from './address';
export type { WatchAccess, WatchRequest } from './watchpoints';
