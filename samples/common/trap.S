/*
 * Trap entry and exit: save all registers, call trap_handler(frame), restore, sret.
 *
 * sscratch convention (as in Linux and xv6): while the hart runs in U-mode,
 * sscratch holds the kernel stack top; while it runs in S-mode, sscratch is 0.
 * So the first instruction swaps sp and sscratch: nonzero means we came from
 * U-mode and now have the kernel stack; zero means we came from S-mode and
 * swap back. Nested traps (an S-mode page fault inside a syscall) work because
 * sscratch is 0 again while the handler runs.
 *
 * Frame layout (struct trap_frame in trap.h): regs[32] at 0, then sepc (256),
 * sstatus (264), scause (272), stval (280); 288 bytes, a multiple of 16.
 */
#define FRAME_SIZE   288
#define OFF_SEPC     256
#define OFF_SSTATUS  264
#define OFF_SCAUSE   272
#define OFF_STVAL    280
#define SSTATUS_SPP  0x100

#define SAVE(n)    sd x##n, (n * 8)(sp)
#define RESTORE(n) ld x##n, (n * 8)(sp)

	.section .text, "ax", @progbits
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	sp, sscratch, sp
	bnez	sp, 1f
	/* From S-mode: take sp back, leave sscratch = 0. */
	csrrw	sp, sscratch, sp
1:
	addi	sp, sp, -FRAME_SIZE
	SAVE(1)
	SAVE(3);  SAVE(4);  SAVE(5);  SAVE(6);  SAVE(7);  SAVE(8);  SAVE(9)
	SAVE(10); SAVE(11); SAVE(12); SAVE(13); SAVE(14); SAVE(15); SAVE(16)
	SAVE(17); SAVE(18); SAVE(19); SAVE(20); SAVE(21); SAVE(22); SAVE(23)
	SAVE(24); SAVE(25); SAVE(26); SAVE(27); SAVE(28); SAVE(29); SAVE(30)
	SAVE(31)
	/* The interrupted sp: the user sp in sscratch, or our sp before the frame. */
	csrrw	t0, sscratch, zero
	bnez	t0, 2f
	addi	t0, sp, FRAME_SIZE
2:	sd	t0, 16(sp)
	csrr	t0, sepc
	sd	t0, OFF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, OFF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, OFF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, OFF_STVAL(sp)

	mv	a0, sp
	li	s0, 0		/* end of the frame-pointer chain for unwinders */
	call	trap_handler

	ld	t0, OFF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, OFF_SSTATUS(sp)
	csrw	sstatus, t0
	/* Going back to U-mode: remember the kernel stack top for the next trap. */
	andi	t0, t0, SSTATUS_SPP
	bnez	t0, 3f
	addi	t0, sp, FRAME_SIZE
	csrw	sscratch, t0
3:
	RESTORE(1)
	RESTORE(3);  RESTORE(4);  RESTORE(5);  RESTORE(6);  RESTORE(7);  RESTORE(8)
	RESTORE(9);  RESTORE(10); RESTORE(11); RESTORE(12); RESTORE(13); RESTORE(14)
	RESTORE(15); RESTORE(16); RESTORE(17); RESTORE(18); RESTORE(19); RESTORE(20)
	RESTORE(21); RESTORE(22); RESTORE(23); RESTORE(24); RESTORE(25); RESTORE(26)
	RESTORE(27); RESTORE(28); RESTORE(29); RESTORE(30); RESTORE(31)
	RESTORE(2)
	sret

/*
 * user_enter(pc, user_sp, kernel_sp): sret into U-mode at pc with sp = user_sp,
 * interrupts enabled after the sret (SPIE = 1). Every other register is zeroed
 * except tp, which keeps the hart id (the kernel's spinlocks read it in traps).
 */
	.globl user_enter
user_enter:
	csrw	sepc, a0
	csrw	sscratch, a2
	li	t0, SSTATUS_SPP
	csrc	sstatus, t0
	li	t0, 0x20	/* SPIE */
	csrs	sstatus, t0
	mv	sp, a1
	li	x1, 0
	li	x3, 0
	li	x5, 0;  li x6, 0;  li x7, 0;  li x8, 0;  li x9, 0;  li x10, 0
	li	x11, 0; li x12, 0; li x13, 0; li x14, 0; li x15, 0; li x16, 0
	li	x17, 0; li x18, 0; li x19, 0; li x20, 0; li x21, 0; li x22, 0
	li	x23, 0; li x24, 0; li x25, 0; li x26, 0; li x27, 0; li x28, 0
	li	x29, 0; li x30, 0; li x31, 0
	sret
