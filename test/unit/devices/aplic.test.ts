/**
 * The APLIC domain in MSI delivery mode and the IMSIC pages, through their registers. Expected
 * behaviour from RISC-V AIA 1.0 chapter 4 (4.5 register map, 4.7 "Precise effects on
 * interrupt-pending bits", 4.9 MSI delivery) and 3.5 (seteipnum_le/be).
 */
import { strict as assert } from 'node:assert';
import { Aplic } from '../../../hypervisor-core/devices/aia/aplic';
import { ImsicPages } from '../../../hypervisor-core/devices/aia/imsic';
import { InterruptFile } from '../../../hypervisor-core/hart/aia/interrupt-file';

const DOMAINCFG = 0x0000, SETIPNUM = 0x1cdc, IN_CLRIP = 0x1d00, SETIENUM = 0x1edc, CLRIENUM = 0x1fdc;
const SETIPNUM_LE = 0x2000, GENMSI = 0x3000;
const sourcecfg = (i: number) => 0x4 * i;
const target = (i: number) => 0x3000 + 4 * i;
const EDGE1 = 4, LEVEL1 = 6, LEVEL0 = 7;

function aplic(): { a: Aplic; msis: [number, number, number][] } {
  const msis: [number, number, number][] = [];
  return { a: new Aplic({ msi: (h, g, e) => msis.push([h, g, e]) }), msis };
}

/** Source `i` in mode `sm`, to hart `hart` with identity `eiid`, enabled, domain IE on. */
function route(a: Aplic, i: number, sm: number, hart: number, eiid: number): void {
  a.write(sourcecfg(i), 4, sm);
  a.write(target(i), 4, (hart << 18) | eiid);
  a.write(SETIENUM, 4, i);
  a.write(DOMAINCFG, 4, 1 << 8);
}

describe('APLIC (MSI delivery mode)', () => {
  it('domaincfg reads 0x80 in bits 31:24 and DM = 1; only IE is writable', () => {
    const { a } = aplic();
    assert.equal(a.read(DOMAINCFG, 4), 0x80000004);
    a.write(DOMAINCFG, 4, 0xffffffff);
    assert.equal(a.read(DOMAINCFG, 4), 0x80000104);
  });

  it('an edge source sends one MSI per rising edge to its target and clears its pending bit', () => {
    const { a, msis } = aplic();
    route(a, 10, EDGE1, 2, 33);
    a.source(10).set(true);
    assert.deepEqual(msis, [[2, 0, 33]]);
    assert.equal(a.isPending(10), false, 'forwarding by MSI clears the pending bit');
    a.source(10).set(true); // still high: no new edge
    assert.equal(msis.length, 1);
    a.source(10).set(false);
    a.source(10).set(true);
    assert.equal(msis.length, 2);
  });

  it('a level source: pending on the rising edge; setipnum sets it again only while the input is high (4.7, 4.9.2)', () => {
    const { a, msis } = aplic();
    route(a, 7, LEVEL1, 0, 5);
    a.source(7).set(true);
    assert.equal(msis.length, 1);
    a.write(SETIPNUM_LE, 4, 7); // Linux's end-of-interrupt for a level source still asserted
    assert.equal(msis.length, 2);
    a.source(7).set(false);
    a.write(SETIPNUM, 4, 7);
    assert.equal(msis.length, 2, 'not while the input is low');
    assert.equal(a.read(IN_CLRIP, 4), 0, 'in_clrip reads the rectified inputs');
    a.source(7).set(true);
    assert.equal(a.read(IN_CLRIP, 4), 1 << 7);
  });

  it('Level0 inverts the input; an inactive source ignores everything and reads zero', () => {
    const { a, msis } = aplic();
    route(a, 3, LEVEL0, 1, 9);
    a.source(3).set(true);
    a.source(3).set(false); // low = asserted
    assert.deepEqual(msis, [[1, 0, 9]]);
    a.write(sourcecfg(4), 4, 2); // reserved mode: inactive
    assert.equal(a.read(sourcecfg(4), 4), 0);
    a.write(target(4), 4, 0x12345);
    assert.equal(a.read(target(4), 4), 0);
    a.write(sourcecfg(5), 4, (1 << 10) | 3); // D = 1: no children, read-only 0
    assert.equal(a.read(sourcecfg(5), 4), 0);
  });

  it('pending while disabled or IE = 0 is held and sent when enabled; clrienum stops it', () => {
    const { a, msis } = aplic();
    a.write(sourcecfg(1), 4, EDGE1);
    a.write(target(1), 4, 40);
    a.source(1).set(true);
    assert.equal(a.isPending(1), true);
    a.write(SETIENUM, 4, 1);
    assert.equal(msis.length, 0, 'domaincfg.IE = 0');
    a.write(DOMAINCFG, 4, 1 << 8);
    assert.deepEqual(msis, [[0, 0, 40]]);
    a.write(CLRIENUM, 4, 1);
    a.source(1).set(false);
    a.source(1).set(true);
    assert.equal(msis.length, 1);
  });

  it('genmsi sends an MSI at once; target keeps hart index, guest index and EIID', () => {
    const { a, msis } = aplic();
    a.write(GENMSI, 4, (3 << 18) | (1 << 12) | 77);
    assert.deepEqual(msis, [[3, 0, 77]]);
    assert.equal(a.read(GENMSI, 4), 0, 'never busy');
    a.write(sourcecfg(2), 4, EDGE1);
    a.write(target(2), 4, 0xffffffff);
    assert.equal(a.read(target(2), 4) >>> 0, ((0x3fff << 18) | (0x3f << 12) | 0x7ff) >>> 0);
  });

  it('sources outside 1..95 are refused or ignored', () => {
    const { a } = aplic();
    assert.throws(() => a.source(0), /out of range/);
    assert.throws(() => a.source(96), /out of range/);
    a.write(SETIPNUM, 4, 200);
    a.write(SETIENUM, 4, 0xffffffff);
  });
});

describe('IMSIC pages', () => {
  it('seteipnum_le and _be set a pending bit of the file the page belongs to; reads are zero', () => {
    const s0 = new InterruptFile(), g0 = new InterruptFile(), s1 = new InterruptFile(), g1 = new InterruptFile();
    const pages = new ImsicPages([[s0, g0], [s1, g1]], 1);
    assert.equal(pages.size, 0x4000);
    pages.write(pages.pageOffset(1, 1), 4, 12);
    assert.equal(g1.isPending(12), true);
    pages.write(pages.pageOffset(0, 0) + 4, 4, 0x0d000000); // big-endian 13
    assert.equal(s0.isPending(13), true);
    pages.write(pages.pageOffset(0, 1) + 8, 4, 3); // not a register
    pages.write(pages.pageOffset(0, 1), 1, 3); // not a 32-bit write
    assert.equal(g0.isPending(3), false);
    pages.write(pages.pageOffset(0, 1), 4, 1000); // identity out of range: ignored
    pages.write(pages.pageOffset(0, 1) + 4, 4, 0); // the high half of an sd of identity 3: identity 0, ignored
    assert.equal(pages.read(0, 4), 0);
    assert.equal(pages.msis, 2, 'only identities 1..255 count');
  });
});
