/**
 * The Memory view's model and page (no VS Code needed): rows of 16 bytes with hex and ASCII
 * from a DAP readMemory answer, unreadable bytes shown as such, the pointer a row holds
 * (little-endian, as RV64 stores it), what the user types for a byte or an address.
 */
import { strict as assert } from 'node:assert';
import { PAGE_BYTES, memoryReferenceOf, parseAddress, parseByte, parseReadMemory, pointerAt, rowsOf } from '../../extension/memory-view/model';
import { memoryHtml } from '../../extension/memory-view/html';

describe('Memory view model', () => {
  const bytes = Buffer.concat([Buffer.from('Hello, guest!\n\0\x01'), Buffer.from([0x48, 0x16, 0x20, 0x80, 0, 0, 0, 0])]);
  const page = parseReadMemory({ address: '0x80201430', data: bytes.toString('base64'), unreadableBytes: PAGE_BYTES - bytes.length }, 0x80201430n);

  it('decodes a readMemory answer into rows of hex and ASCII', () => {
    const rows = rowsOf(page, 32);
    assert.equal(rows[0].address, '0x0000000080201430');
    assert.deepEqual(rows[0].bytes.slice(0, 5), [0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert.equal(rows[0].ascii, 'Hello, guest!...');
    assert.equal(rows[1].address, '0x0000000080201440');
    assert.deepEqual(rows[1].bytes.slice(7, 10), [0, undefined, undefined], 'past the data: unreadable');
    assert.equal(page.unreadable, PAGE_BYTES - 24);
  });

  it('follows a row\'s 64-bit little-endian pointer', () => {
    assert.equal(pointerAt(page, 16), 0x80201648n);
    assert.equal(pointerAt(page, 20), undefined, 'not 8 readable bytes');
  });

  it('parses bytes and addresses the user types; writes references as the adapter does', () => {
    assert.equal(parseByte('7f'), 0x7f);
    assert.equal(parseByte('0x0A'), 10);
    assert.equal(parseByte('100'), undefined);
    assert.equal(parseAddress('0xffffffff80000000'), 0xffffffff80000000n);
    assert.equal(parseAddress('0x1ffffffffffffffff'), undefined);
    assert.equal(memoryReferenceOf(0xffffffff80001000n), '0xffffffff80001000');
    assert.equal(memoryReferenceOf(0x80000000n, true), 'phys:0x80000000');
  });

  it('renders the page with its script under a nonce and escapes the ASCII column', () => {
    const p = parseReadMemory({ address: '0x1000', data: Buffer.from('<b>&"x"</b>').toString('base64') }, 0x1000n);
    const html = memoryHtml('abc123', 'vscode-resource:', '0x1000', rowsOf(p, 16));
    assert.match(html, /script-src 'nonce-abc123'/);
    assert.match(html, /<script nonce="abc123">/);
    assert.ok(html.includes('&#60;b&#62;&#38;&#34;x&#34;&#60;/b'), 'the guest\'s bytes never become markup');
    assert.ok(!html.includes('<b>&'));
  });
});
