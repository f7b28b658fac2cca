/**
 * The `symbols` launch attribute: extra ELF files with load offsets (numbers, or strings read
 * as exact 64-bit values), their ELF symbols and DWARF shifted by the offset, kernel
 * addresses included. Through resolveLaunch and the facade's symbol tables (no guest run).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { LaunchError, resolveLaunch } from '../../debug-adapter/launch-config';
import { DebugSymbols } from '../../hypervisor-core/debug/debug-symbols';
import { codeAddr, hexAddr } from '../../hypervisor-core/debug/address';
import { ROOT, sample } from './dap-helpers';

const KERNEL_VA = join(ROOT, 'test/unit/debug/fixtures/kernel-va.elf');

describe('launch: extra symbol files with offsets', () => {
  const launchWith = (offset?: string | number) =>
    resolveLaunch({ program: sample('hello'), cwd: ROOT, symbols: [{ path: KERNEL_VA, offset }] } as never).extraSymbols![0];

  it('reads offsets as exact 64-bit values and shifts symbols, lines and call frames', () => {
    assert.equal(launchWith().offset, 0);
    assert.equal(launchWith(0x1000).offset, 0x1000);
    assert.equal(launchWith('-0x1000').offset, -0x1000);
    // 0xffffffff00000000 wraps modulo 2^64: the same as -0x100000000.
    const e = launchWith('0xffffffff00000000');
    assert.equal(e.offset, -0x100000000);
    const s = new DebugSymbols(e.elf, e.offset);
    assert.equal(hexAddr(s.addressOf('syscall_body')!), '0xfffffffe80000000');
    assert.equal(s.lineAt(codeAddr(0xfffffffe80000012n))?.line, 5);
    assert.equal(s.inlineChainAt(codeAddr(0xfffffffe80000014n))[0]?.name, 'mix');
    assert.equal(s.frameRowAt(codeAddr(0xfffffffe8000001en))?.cfaReg, 8);
  });

  it('refuses a malformed offset with a one-line error', () => {
    assert.throws(() => launchWith('12abc'), (err: Error) => err instanceof LaunchError && /invalid symbols offset "12abc"/.test(err.message));
  });
});
