/*
 * virtio: a bare-metal virtio-mmio driver (virtio 1.2, version 2 transport).
 *
 * Scans the eight virtio-mmio slots of the virt board (0x10001000 + 0x1000 * i),
 * then drives what it finds by polling the used rings:
 *   block    negotiates VERSION_1, FLUSH, INDIRECT_DESC; reads the capacity,
 *            reads sector 0, writes sector 1 (through an indirect table),
 *            flushes, reads it back, reads past the end (expects IOERR), and
 *            checks the used-buffer interrupt status
 *   entropy  asks for 32 random bytes
 *   console  writes one line on the transmit queue
 * then shuts down with SRST. Slots differ between QEMU (highest first) and
 * Hyperscope (lowest first), so the output names devices, not addresses.
 * Without a console device the output is the same as under QEMU with
 * -device virtio-blk-device and virtio-rng-device (see Makefile, expected.txt).
 */
#include <stdint.h>
#include "printf.h"
#include "sbi.h"
#include "start.h"
#include "string.h"

#define VIRTIO_BASE   0x10001000UL
#define VIRTIO_STRIDE 0x1000UL
#define VIRTIO_SLOTS  8

/* Registers (section 4.2.2). */
#define REG_MAGIC         0x000
#define REG_VERSION       0x004
#define REG_DEVICE_ID     0x008
#define REG_DEV_FEAT      0x010
#define REG_DEV_FEAT_SEL  0x014
#define REG_DRV_FEAT      0x020
#define REG_DRV_FEAT_SEL  0x024
#define REG_QUEUE_SEL     0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM     0x038
#define REG_QUEUE_READY   0x044
#define REG_QUEUE_NOTIFY  0x050
#define REG_INT_STATUS    0x060
#define REG_INT_ACK       0x064
#define REG_STATUS        0x070
#define REG_DESC_LO       0x080
#define REG_DESC_HI       0x084
#define REG_DRIVER_LO     0x090
#define REG_DRIVER_HI     0x094
#define REG_DEVICE_LO     0x0a0
#define REG_DEVICE_HI     0x0a4
#define REG_CONFIG        0x100

#define ST_ACK         1
#define ST_DRIVER      2
#define ST_DRIVER_OK   4
#define ST_FEATURES_OK 8

#define F_INDIRECT_DESC 28
#define F_VERSION_1     32
#define BLK_F_FLUSH     9

#define DESC_NEXT     1
#define DESC_WRITE    2
#define DESC_INDIRECT 4

#define QSIZE 8

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct queue {
	struct desc desc[QSIZE];
	struct {
		uint16_t flags, idx, ring[QSIZE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QSIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t last_used;
} __attribute__((aligned(16)));

struct dev {
	volatile uint32_t *regs;
	struct queue q[2];
};

static uint32_t rd(struct dev *d, unsigned off)
{
	return d->regs[off / 4];
}

static void wr(struct dev *d, unsigned off, uint32_t v)
{
	d->regs[off / 4] = v;
}

static uint64_t device_features(struct dev *d)
{
	wr(d, REG_DEV_FEAT_SEL, 1);
	uint64_t hi = rd(d, REG_DEV_FEAT);
	wr(d, REG_DEV_FEAT_SEL, 0);
	return hi << 32 | rd(d, REG_DEV_FEAT);
}

/* Reset, negotiate `want` (what the device offers of it), set up `nq` queues. */
static int bring_up(struct dev *d, uint64_t want, int nq)
{
	wr(d, REG_STATUS, 0);
	wr(d, REG_STATUS, ST_ACK);
	wr(d, REG_STATUS, ST_ACK | ST_DRIVER);
	uint64_t f = device_features(d) & want;
	wr(d, REG_DRV_FEAT_SEL, 0);
	wr(d, REG_DRV_FEAT, (uint32_t)f);
	wr(d, REG_DRV_FEAT_SEL, 1);
	wr(d, REG_DRV_FEAT, (uint32_t)(f >> 32));
	wr(d, REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(rd(d, REG_STATUS) & ST_FEATURES_OK))
		return -1;
	for (int i = 0; i < nq; i++) {
		struct queue *q = &d->q[i];
		memset(q, 0, sizeof(*q));
		wr(d, REG_QUEUE_SEL, i);
		if (rd(d, REG_QUEUE_READY) != 0 || rd(d, REG_QUEUE_NUM_MAX) < QSIZE)
			return -2;
		wr(d, REG_QUEUE_NUM, QSIZE);
		wr(d, REG_DESC_LO, (uint32_t)(uintptr_t)q->desc);
		wr(d, REG_DESC_HI, 0);
		wr(d, REG_DRIVER_LO, (uint32_t)(uintptr_t)&q->avail);
		wr(d, REG_DRIVER_HI, 0);
		wr(d, REG_DEVICE_LO, (uint32_t)(uintptr_t)&q->used);
		wr(d, REG_DEVICE_HI, 0);
		wr(d, REG_QUEUE_READY, 1);
	}
	wr(d, REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	return (int)(f >> F_INDIRECT_DESC & 1);
}

/* Makes chain `head` available on queue `qi`, notifies, and polls for it; returns the used length. */
static uint32_t submit(struct dev *d, int qi, uint16_t head)
{
	struct queue *q = &d->q[qi];
	q->avail.ring[q->avail.idx % QSIZE] = head;
	__sync_synchronize();
	q->avail.idx++;
	__sync_synchronize();
	wr(d, REG_QUEUE_NOTIFY, qi);
	while (*(volatile uint16_t *)&q->used.idx == q->last_used)
		;
	__sync_synchronize();
	uint32_t len = q->used.ring[q->last_used % QSIZE].len;
	q->last_used++;
	return len;
}

static void set_desc(struct desc *t, int i, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	t[i].addr = (uintptr_t)addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

/* ---- block ---- */

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct blk_req req;
static uint8_t data[512] __attribute__((aligned(16)));
static volatile uint8_t status;
static struct desc indirect[3] __attribute__((aligned(16)));

/* One request on queue 0: header, optional data (`write`: device-writable), status. */
static int blk_rw(struct dev *d, uint32_t type, uint64_t sector, uint32_t len, int use_indirect)
{
	struct desc *t = use_indirect ? indirect : d->q[0].desc;
	uint16_t data_flags = type == 0 ? DESC_WRITE : 0;
	req.type = type;
	req.sector = sector;
	status = 0xff;
	int n = 0;
	set_desc(t, n, &req, sizeof(req), DESC_NEXT, n + 1);
	n++;
	if (len) {
		set_desc(t, n, data, len, data_flags | DESC_NEXT, n + 1);
		n++;
	}
	set_desc(t, n, (void *)&status, 1, DESC_WRITE, 0);
	if (use_indirect)
		set_desc(d->q[0].desc, 0, indirect, sizeof(struct desc) * (n + 1), DESC_INDIRECT, 0);
	submit(d, 0, 0);
	return status;
}

static void block(struct dev *d)
{
	uint64_t want = 1ULL << F_VERSION_1 | 1ULL << BLK_F_FLUSH | 1ULL << F_INDIRECT_DESC;
	int indirect_ok = bring_up(d, want, 1);
	if (indirect_ok < 0) {
		printf("block: bring-up failed (%d)\n", indirect_ok);
		return;
	}
	uint64_t capacity = rd(d, REG_CONFIG) | (uint64_t)rd(d, REG_CONFIG + 4) << 32;
	printf("block: capacity %lu sectors, indirect descriptors %s\n", (unsigned long)capacity,
	       indirect_ok ? "yes" : "no");

	int s = blk_rw(d, 0, 0, 512, 0);
	data[40] = 0;
	printf("block: read sector 0: status %d, \"%s\"\n", s, (char *)data);
	uint32_t isr = rd(d, REG_INT_STATUS);
	wr(d, REG_INT_ACK, isr);
	printf("block: interrupt status %u\n", (unsigned)isr);

	memset(data, 0, sizeof(data));
	const char *msg = "written by the guest";
	memcpy(data, msg, strlen(msg));
	s = blk_rw(d, 1, 1, 512, indirect_ok);
	printf("block: write sector 1: status %d\n", s);
	printf("block: flush: status %d\n", blk_rw(d, 4, 0, 0, 0));
	memset(data, 0, sizeof(data));
	s = blk_rw(d, 0, 1, 512, 0);
	printf("block: read back sector 1: status %d, %s\n", s, memcmp(data, msg, strlen(msg)) == 0 ? "same" : "different");
	printf("block: read past the end: status %d\n", blk_rw(d, 0, capacity, 512, 0));
}

/* ---- entropy ---- */

static uint8_t random_bytes[32];

static void entropy(struct dev *d)
{
	if (bring_up(d, 1ULL << F_VERSION_1, 1) < 0) {
		printf("entropy: bring-up failed\n");
		return;
	}
	set_desc(d->q[0].desc, 0, random_bytes, sizeof(random_bytes), DESC_WRITE, 0);
	uint32_t len = submit(d, 0, 0);
	int nonzero = 0;
	for (unsigned i = 0; i < sizeof(random_bytes); i++)
		nonzero |= random_bytes[i];
	printf("entropy: got %u bytes%s\n", (unsigned)len, nonzero ? "" : " (all zero!)");
}

/* ---- console ---- */

static const char hello_hvc[] = "console: hello through virtio-console\n";

static void console(struct dev *d)
{
	if (bring_up(d, 1ULL << F_VERSION_1, 2) < 0) {
		printf("console: bring-up failed\n");
		return;
	}
	set_desc(d->q[1].desc, 0, (void *)hello_hvc, sizeof(hello_hvc) - 1, 0, 0);
	submit(d, 1, 0);
}

static struct dev devs[VIRTIO_SLOTS];

int main(unsigned long hartid, void *dtb)
{
	(void)hartid;
	(void)dtb;
	static const struct {
		uint32_t id;
		void (*run)(struct dev *);
	} kinds[] = { { 2, block }, { 4, entropy }, { 3, console } };
	int found = 0;
	/* Device kinds in a fixed order, whatever slot they are in. */
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (int i = 0; i < VIRTIO_SLOTS; i++) {
			struct dev *d = &devs[i];
			d->regs = (volatile uint32_t *)(VIRTIO_BASE + VIRTIO_STRIDE * i);
			if (rd(d, REG_MAGIC) != 0x74726976 || rd(d, REG_VERSION) != 2)
				continue;
			if (rd(d, REG_DEVICE_ID) != kinds[k].id)
				continue;
			found++;
			kinds[k].run(d);
		}
	}
	printf("virtio: %d device(s) driven\n", found);
	return 0;
}
