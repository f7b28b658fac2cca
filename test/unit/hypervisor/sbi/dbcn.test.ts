import { strict as assert } from 'node:assert';
import { MAX_TRANSFER } from '../../../../hypervisor-core/hypervisor/sbi/dbcn';
import { Eid } from '../../../../hypervisor-core/hypervisor/sbi/eids';
import { SbiError } from '../../../../hypervisor-core/hypervisor/sbi/sbi-host';
import { setup } from './helpers';

const RAM = 0x8000_0000n;
const text = (s: string) => Array.from(Buffer.from(s));

describe('SBI DBCN', () => {
  it('console_write writes guest memory and returns the byte count in a1', () => {
    const { call, host } = setup();
    host.ram.set(text('hello'), 0x100);
    assert.deepEqual(call(Eid.DBCN, 0, 5n, RAM + 0x100n, 0n), { error: 0, value: 5n });
    assert.equal(Buffer.from(host.out).toString(), 'hello');
  });

  it('console_write of 0 bytes succeeds with 0', () => {
    const { call, host } = setup();
    assert.deepEqual(call(Eid.DBCN, 0, 0n, RAM, 0n), { error: 0, value: 0n });
    assert.deepEqual(host.out, []);
  });

  it('console_write is partial beyond MAX_TRANSFER bytes', () => {
    const { call, host } = setup();
    assert.deepEqual(call(Eid.DBCN, 0, BigInt(MAX_TRANSFER + 10), RAM, 0n), { error: 0, value: BigInt(MAX_TRANSFER) });
    assert.equal(host.out.length, MAX_TRANSFER);
  });

  it('console_write outside guest RAM, straddling its end, overflowing or with base_addr_hi -> INVALID_PARAM', () => {
    const { call, host } = setup();
    const bad = (n: bigint, lo: bigint, hi: bigint) => call(Eid.DBCN, 0, n, lo, hi);
    assert.deepEqual(bad(4n, 0x1000n, 0n), { error: SbiError.INVALID_PARAM, value: 0n });
    assert.equal(bad(8n, RAM + 0xfffcn, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(bad(0x20000n, RAM, 0n).error, SbiError.INVALID_PARAM, 'last byte beyond RAM');
    assert.equal(bad(2n, (1n << 64n) - 1n, 0n).error, SbiError.INVALID_PARAM);
    assert.equal(bad(1n, RAM, 1n).error, SbiError.INVALID_PARAM);
    assert.deepEqual(host.out, []);
  });

  it('console_read copies waiting input into guest memory and returns the count', () => {
    const { call, host } = setup();
    host.input = text('abc');
    assert.deepEqual(call(Eid.DBCN, 1, 2n, RAM + 0x10n, 0n), { error: 0, value: 2n });
    assert.deepEqual(Array.from(host.ram.subarray(0x10, 0x13)), [...text('ab'), 0]);
    assert.deepEqual(call(Eid.DBCN, 1, 16n, RAM + 0x20n, 0n), { error: 0, value: 1n });
    assert.equal(host.ram[0x20], 'c'.charCodeAt(0));
    assert.deepEqual(call(Eid.DBCN, 1, 16n, RAM + 0x20n, 0n), { error: 0, value: 0n }, 'nothing waiting');
  });

  it('console_read into memory outside guest RAM -> INVALID_PARAM, input not consumed', () => {
    const { call, host } = setup();
    host.input = text('x');
    assert.equal(call(Eid.DBCN, 1, 1n, 0x10n, 0n).error, SbiError.INVALID_PARAM);
    assert.deepEqual(host.input, text('x'));
  });

  it('console_write_byte writes the low byte of a0 and returns 0', () => {
    const { call, host } = setup();
    assert.deepEqual(call(Eid.DBCN, 2, 0x1241n), { error: 0, value: 0n });
    assert.deepEqual(host.out, [0x41]);
  });

  it('unknown function -> NOT_SUPPORTED', () => {
    const { call } = setup();
    assert.equal(call(Eid.DBCN, 3).error, SbiError.NOT_SUPPORTED);
  });
});
