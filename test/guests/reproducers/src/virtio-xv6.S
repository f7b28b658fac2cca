/*
 * Brings up the virtio-blk disk in slot 0 the way xv6-riscv's virtio_disk_init does and reads
 * sector 0: it insists on QEMU's vendor id 0x554d4551, accepts features by writing only the
 * low word (so never VIRTIO_F_VERSION_1) and panics unless FEATURES_OK stays set. The disk
 * given must start with "xv6 " (test/guests/qemu-compat.test.ts makes one).
 * QEMU: -global virtio-mmio.force-legacy=false -drive file=IMG,if=none,format=raw,id=x0
 *       -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
 */
#include "guest.h"
	.option norvc
#define MMIO	0x10001000
#define NUM	8
	.text
	.globl	_start
_start:
	li	s1, MMIO
	lw	t0, 0x000(s1)
	EXPECT	t0, 0x74726976, m_magic
	lw	t0, 0x004(s1)
	EXPECT	t0, 2, m_version
	lw	t0, 0x008(s1)
	EXPECT	t0, 2, m_devid
	lw	t0, 0x00c(s1)
	EXPECT	t0, 0x554d4551, m_vendor

	li	s2, 0			/* status */
	sw	s2, 0x070(s1)		/* reset */
	ori	s2, s2, 1		/* ACKNOWLEDGE */
	sw	s2, 0x070(s1)
	ori	s2, s2, 2		/* DRIVER */
	sw	s2, 0x070(s1)
	lw	t0, 0x010(s1)		/* DeviceFeatures, word 0 (selector never written) */
	li	t1, ~((1 << 5) | (1 << 7) | (1 << 11) | (1 << 12) | (1 << 22) | (1 << 27) | (1 << 28) | (1 << 29))
	and	t0, t0, t1		/* RO SCSI CONFIG_WCE MQ ANY_LAYOUT INDIRECT EVENT_IDX off */
	sw	t0, 0x020(s1)		/* DriverFeatures, word 0 only */
	ori	s2, s2, 8		/* FEATURES_OK */
	sw	s2, 0x070(s1)
	lw	t0, 0x070(s1)
	andi	t0, t0, 8
	EXPECT	t0, 8, m_featok

	sw	zero, 0x030(s1)		/* QueueSel 0 */
	lw	t0, 0x044(s1)
	EXPECT	t0, 0, m_ready
	lw	t0, 0x034(s1)
	li	t1, NUM
	bltu	t0, t1, fail_max
	sw	t1, 0x038(s1)		/* QueueNum */
	la	t0, desc
	sw	t0, 0x080(s1)
	sw	zero, 0x084(s1)
	la	t0, avail
	sw	t0, 0x090(s1)
	sw	zero, 0x094(s1)
	la	t0, used
	sw	t0, 0x0a0(s1)
	sw	zero, 0x0a4(s1)
	li	t0, 1
	sw	t0, 0x044(s1)		/* QueueReady */
	ori	s2, s2, 4		/* DRIVER_OK */
	sw	s2, 0x070(s1)

	/* Read sector 0: header (VIRTIO_BLK_T_IN), 512-byte data buffer, status byte. */
	la	t2, desc
	la	t0, req
	sd	t0, 0(t2)
	li	t0, 16
	sw	t0, 8(t2)
	li	t0, 1			/* NEXT */
	sh	t0, 12(t2)
	sh	t0, 14(t2)
	la	t0, data
	sd	t0, 16(t2)
	li	t0, 512
	sw	t0, 24(t2)
	li	t0, 3			/* NEXT | WRITE */
	sh	t0, 28(t2)
	li	t0, 2
	sh	t0, 30(t2)
	la	t0, status
	sd	t0, 32(t2)
	li	t0, 1
	sw	t0, 40(t2)
	li	t0, 2			/* WRITE */
	sh	t0, 44(t2)
	la	t2, avail
	sh	zero, 4(t2)		/* ring[0] = head 0 */
	fence	rw, rw
	li	t0, 1
	sh	t0, 2(t2)		/* idx = 1 */
	fence	rw, rw
	sw	zero, 0x050(s1)		/* QueueNotify 0 */
	la	t2, used
	li	t3, 10000000
8:	lhu	t0, 2(t2)
	bnez	t0, 9f			/* (PUTS and SHUTDOWN use labels 1 to 6) */
	addi	t3, t3, -1
	bnez	t3, 8b
	PUTS	m_timeout
	SHUTDOWN 1
9:	fence	rw, rw
	la	t0, status
	lbu	t0, 0(t0)
	EXPECT	t0, 0, m_status
	la	t0, data
	lw	t0, 0(t0)
	EXPECT	t0, 0x20367678, m_data	/* "xv6 " */
	PUTS	m_pass
	SHUTDOWN 0
fail_max:
	PUTS	m_max
	SHUTDOWN 1

	.data
m_magic:	.asciz "FAIL magic\n"
m_version:	.asciz "FAIL version is not 2\n"
m_devid:	.asciz "FAIL no virtio-blk in slot 0\n"
m_vendor:	.asciz "FAIL vendor id is not 0x554d4551 (QEMU)\n"
m_featok:	.asciz "FAIL FEATURES_OK unset\n"
m_ready:	.asciz "FAIL queue already ready\n"
m_max:		.asciz "FAIL queue too short\n"
m_timeout:	.asciz "FAIL request never completed\n"
m_status:	.asciz "FAIL request status not OK\n"
m_data:		.asciz "FAIL sector 0 does not start with \"xv6 \"\n"
m_pass:		.asciz "virtio-xv6: PASS\n"
	.align	4
req:	.word	0, 0
	.dword	0
status:	.byte	0xff
	.align	12
desc:	.space	4096
avail:	.space	4096
used:	.space	4096
data:	.space	512
