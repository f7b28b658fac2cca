/**
 * Typed addresses. A guest virtual, guest physical and host physical address are all plain
 * numbers at run time, but mixing them up is a compile error (rust-vmm `vm-memory` style).
 *
 * Addresses that fit in 53 bits are numbers. Guest virtual addresses of a 64-bit kernel
 * (0xffffffc0_00000000 and up) do not, so the hart itself keeps 64-bit values as two int32
 * halves; these brands are for the hypervisor and debugger side, where GPAs and HPAs
 * always fit (physical addresses are at most 56 bits, and this machine's are far smaller).
 */
declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** Guest virtual address (as the guest's own page tables see it). */
export type Gva = Branded<number, 'Gva'>;
/** Guest physical address (the VM's view of memory; input of the G-stage). */
export type Gpa = Branded<number, 'Gpa'>;
/** Host physical address (the hart's physical address space, output of the G-stage). */
export type Hpa = Branded<number, 'Hpa'>;

/** Tags a number as a guest physical address. */
export const gpa = (n: number): Gpa => n as Gpa;
/** Tags a number as a host physical address. */
export const hpa = (n: number): Hpa => n as Hpa;
/** Tags a number as a guest virtual address. */
export const gva = (n: number): Gva => n as Gva;

/** Size of a base page. */
export const PAGE_SIZE = 4096;
/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12;
