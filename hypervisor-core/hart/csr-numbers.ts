/** CSR addresses (RISC-V privileged ISA, chapter 2 tables 3..8, and the H extension). */
export const enum Csr {
  // Unprivileged counters and FP
  FFLAGS = 0x001, FRM = 0x002, FCSR = 0x003,
  CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02,
  // Supervisor
  SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10a,
  SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144,
  STIMECMP = 0x14d, SATP = 0x180,
  // Ssaia (AIA 2.2): indirect access to the supervisor-level interrupt file, top interrupts
  SISELECT = 0x150, SIREG = 0x151, STOPEI = 0x15c, STOPI = 0xdb0,
  // Hypervisor
  HSTATUS = 0x600, HEDELEG = 0x602, HIDELEG = 0x603, HIE = 0x604, HTIMEDELTA = 0x605,
  HCOUNTEREN = 0x606, HGEIE = 0x607, HENVCFG = 0x60a, HTVAL = 0x643, HIP = 0x644,
  HVIP = 0x645, HTINST = 0x64a, HGATP = 0x680, HGEIP = 0xe12,
  // Ssaia with H (AIA 2.3)
  HVIEN = 0x608, HVICTL = 0x609, HVIPRIO1 = 0x646, HVIPRIO2 = 0x647,
  // Virtual supervisor
  VSSTATUS = 0x200, VSIE = 0x204, VSTVEC = 0x205, VSSCRATCH = 0x240, VSEPC = 0x241,
  VSCAUSE = 0x242, VSTVAL = 0x243, VSIP = 0x244, VSTIMECMP = 0x24d, VSATP = 0x280,
  VSISELECT = 0x250, VSIREG = 0x251, VSTOPEI = 0x25c, VSTOPI = 0xeb0,
  // Machine
  MVENDORID = 0xf11, MARCHID = 0xf12, MIMPID = 0xf13, MHARTID = 0xf14, MCONFIGPTR = 0xf15,
  MSTATUS = 0x300, MISA = 0x301, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304,
  MTVEC = 0x305, MCOUNTEREN = 0x306, MENVCFG = 0x30a, MCOUNTINHIBIT = 0x320,
  MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344,
  MTINST = 0x34a, MTVAL2 = 0x34b,
  PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0,
  MCYCLE = 0xb00, MINSTRET = 0xb02,
  MHPMCOUNTER3 = 0xb03, MHPMEVENT3 = 0x323, HPMCOUNTER3 = 0xc03,
  // Trigger module (Sdtrig)
  TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, TDATA3 = 0x7a3, TINFO = 0x7a4, TCONTROL = 0x7a5,
  MCONTEXT = 0x7a8, HCONTEXT = 0x6a8, SCONTEXT = 0x5a8,
}

/** mstatus / sstatus / vsstatus bit positions. */
export const enum Mstatus {
  SIE = 1 << 1, MIE = 1 << 3, SPIE = 1 << 5, UBE = 1 << 6, MPIE = 1 << 7, SPP = 1 << 8,
  VS_MASK = 3 << 9, MPP_SHIFT = 11, MPP_MASK = 3 << 11, FS_MASK = 3 << 13, XS_MASK = 3 << 15,
  MPRV = 1 << 17, SUM = 1 << 18, MXR = 1 << 19, TVM = 1 << 20, TW = 1 << 21, TSR = 1 << 22,
  // High word (bit - 32)
  HI_UXL_SHIFT = 0, HI_SXL_SHIFT = 2, HI_GVA = 1 << 6, HI_MPV = 1 << 7, HI_SD = 1 << 31,
}

/** hstatus bit positions. */
export const enum Hstatus {
  VSBE = 1 << 5, GVA = 1 << 6, SPV = 1 << 7, SPVP = 1 << 8, HU = 1 << 9,
  VGEIN_MASK = 0x3f << 12, VTVM = 1 << 20, VTW = 1 << 21, VTSR = 1 << 22,
  // High word: VSXL at bits 33:32
  HI_VSXL_SHIFT = 0,
}

/** Interrupt bit numbers in mip/mie (and causes). */
export const enum Irq {
  SSI = 1, VSSI = 2, MSI = 3, STI = 5, VSTI = 6, MTI = 7, SEI = 9, VSEI = 10, MEI = 11, SGEI = 12,
}

/** Exception causes. */
export const enum Cause {
  MISALIGNED_FETCH = 0, FETCH_ACCESS = 1, ILLEGAL_INSTRUCTION = 2, BREAKPOINT = 3,
  MISALIGNED_LOAD = 4, LOAD_ACCESS = 5, MISALIGNED_STORE = 6, STORE_ACCESS = 7,
  ECALL_U = 8, ECALL_S = 9, ECALL_VS = 10, ECALL_M = 11,
  FETCH_PAGE_FAULT = 12, LOAD_PAGE_FAULT = 13, STORE_PAGE_FAULT = 15,
  FETCH_GUEST_PAGE_FAULT = 20, LOAD_GUEST_PAGE_FAULT = 21, VIRTUAL_INSTRUCTION = 22,
  STORE_GUEST_PAGE_FAULT = 23,
}

/** Privilege levels as encoded in mstatus.MPP. */
export const enum Priv { U = 0, S = 1, M = 3 }

/** High-word bits of menvcfg / henvcfg. */
export const enum EnvcfgHi {
  /** ADUE (bit 61): the walker updates A/D bits itself (Svadu). */
  ADUE = 1 << 29,
  /** STCE (bit 63): stimecmp / vstimecmp enabled (Sstc). */
  STCE = 1 << 31,
}
