/*
 * The SBI PMU as Linux perf uses it (drivers/perf/riscv_pmu_sbi.c): the counters' info, the
 * instructions event on instret (config_matching with CLEAR_VALUE | AUTO_START, read with
 * rdinstret, stop), the set_timer firmware event (three set_timer calls, fw_read = 3), and
 * data TLB load misses on an hpmcounter (16 pages touched: at least one miss). Passes on QEMU
 * 7.2 with OpenSBI 1.1 too, which does not run the TLB miss counter (the guest says so).
 */
#include "guest.h"
	.option norvc
#define SBI_BASE	0x10
#define SBI_PMU		0x504d55
#define SBI_TIME	0x54494d45
#define CLEAR_START	6		/* CLEAR_VALUE | AUTO_START */

.macro PMU fid
	li	a7, SBI_PMU
	li	a6, \fid
	ecall
.endm

	GUEST_START
	li	a7, SBI_BASE
	li	a6, 3
	li	a0, SBI_PMU
	ecall
	EXPECT	a1, 1, m_probe
	PMU	0			/* num_counters */
	EXPECT	a0, 0, m_num
	mv	s0, a1			/* n */
	li	a0, 0
	PMU	1			/* counter_get_info(0): cycle, 64 bits */
	EXPECT	a1, 0xc00 | (63 << 12), m_info
	li	a0, 2
	PMU	1
	EXPECT	a1, 0xc02 | (63 << 12), m_info

	/* s1 = mask of hardware counters, s2 = first firmware counter. */
	li	s1, 0
	li	s2, -1
	li	s3, 0
1:	bgeu	s3, s0, 3f
	mv	a0, s3
	PMU	1
	bnez	a0, 2f			/* not every index need exist */
	bltz	a1, 4f			/* bit 63: firmware */
	li	t0, 1
	sll	t0, t0, s3
	or	s1, s1, t0
	j	2f
4:	bgez	s2, 2f
	mv	s2, s3
2:	addi	s3, s3, 1
	j	1b
3:	bltz	s2, fail_fw

	/* Instructions on instret. */
	li	a0, 0
	mv	a1, s1
	li	a2, CLEAR_START
	li	a3, 2			/* SBI_PMU_HW_INSTRUCTIONS */
	li	a4, 0
	PMU	2
	EXPECT	a0, 0, m_match
	EXPECT	a1, 2, m_match
	li	t0, 1000
5:	addi	t0, t0, -1
	bnez	t0, 5b			/* 2000 instructions */
	li	a0, 2
	li	a1, 1
	li	a2, 0
	PMU	4			/* stop */
	EXPECT	a0, 0, m_stop
	rdinstret s4
	li	t1, 2000		/* (QEMU without -icount counts host ticks: more) */
	bltu	s4, t1, fail_count
	/* A stopped counter keeps its value here; QEMU 7.2 reads 0 on the next read, so the
	   guest does not check that (test/unit/hart/counters.test.ts does). */

	/* The set_timer firmware event. */
	mv	a0, s2
	li	a1, 1
	li	a2, CLEAR_START
	li	a3, (15 << 16) | 5	/* SBI_PMU_FW_SET_TIMER */
	li	a4, 0
	PMU	2
	EXPECT	a0, 0, m_match
	mv	s6, a1
	li	s7, 3
6:	li	a7, SBI_TIME
	li	a6, 0
	li	a0, -1
	ecall
	addi	s7, s7, -1
	bnez	s7, 6b
	mv	a0, s6
	PMU	5			/* fw_read */
	EXPECT	a0, 0, m_fwread
	EXPECT	a1, 3, m_fwread

	/* Data TLB load misses on a programmable counter (read through its CSR). */
	li	a0, 0
	mv	a1, s1
	li	a2, CLEAR_START
	li	a3, (1 << 16) | (3 << 3) | 1	/* DTLB, read, miss */
	li	a4, 0
	PMU	2
	EXPECT	a0, 0, m_match
	mv	s8, a1
	la	t0, pages
	li	t1, 16
7:	ld	t2, 0(t0)
	li	t3, 4096
	add	t0, t0, t3
	addi	t1, t1, -1
	bnez	t1, 7b
	mv	a0, s8
	li	a1, 1
	li	a2, 0
	PMU	4
	/* QEMU 7.2 + OpenSBI 1.1 hand out hpmcounter18 and never start it (stop answers
	   ALREADY_STOPPED): say so and skip the check there. */
	li	t0, -8
	beq	a0, t0, tlb_skip
	EXPECT	a0, 0, m_stop
	li	t0, 3
	bltu	s8, t0, tlb_skip
	li	t0, 11
	bgeu	s8, t0, tlb_skip
	addi	t0, s8, -3
	slli	t0, t0, 3
	la	t1, read_hpm
	add	t1, t1, t0
	jalr	t1
	beqz	a0, fail_tlb
	j	done
tlb_skip:
	PUTS	m_tlbskip
done:	PUTS	m_pass
	SHUTDOWN 0

	/* a0 = hpmcounter3 + index (each entry 8 bytes: csrr, ret). */
read_hpm:
	csrr	a0, hpmcounter3
	ret
	csrr	a0, hpmcounter4
	ret
	csrr	a0, hpmcounter5
	ret
	csrr	a0, hpmcounter6
	ret
	csrr	a0, hpmcounter7
	ret
	csrr	a0, hpmcounter8
	ret
	csrr	a0, hpmcounter9
	ret
	csrr	a0, hpmcounter10
	ret

fail_fw:
	PUTS	m_fw
	SHUTDOWN 1
fail_count:
	PUTS	m_count
	SHUTDOWN 1
fail_match:
	PUTS	m_match
	SHUTDOWN 1
fail_tlb:
	PUTS	m_tlb
	SHUTDOWN 1

	.align	2
trap:	PUTS	m_trap
	SHUTDOWN 1

	.data
m_probe:	.asciz "FAIL no PMU extension\n"
m_num:		.asciz "FAIL num_counters\n"
m_info:		.asciz "FAIL counter_get_info\n"
m_fw:		.asciz "FAIL no firmware counter\n"
m_match:	.asciz "FAIL counter_config_matching\n"
m_stop:		.asciz "FAIL counter_stop\n"
m_count:	.asciz "FAIL instret did not count the loop\n"
m_fwread:	.asciz "FAIL fw_read of set_timer is not 3\n"
m_tlb:		.asciz "FAIL no data TLB miss counted\n"
m_trap:		.asciz "FAIL unexpected trap\n"
m_tlbskip:	.asciz "pmu: the data TLB miss counter did not run here, not checked\n"
m_pass:		.asciz "pmu: PASS\n"
	.align	12
pages:	.zero	16 * 4096
