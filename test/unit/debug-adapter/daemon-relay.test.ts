/**
 * Where DAP attach finds its daemon and VM (daemon-relay.ts): launch.json's "host", else
 * HYPERSCOPE_HOST, else 127.0.0.1:7357 (the default port of hyperscope serve, docs/api.md);
 * each refusal one line naming what is wrong.
 */
import { strict as assert } from 'node:assert';
import { attachAddress } from '../../../debug-adapter/daemon-relay';

describe('DAP attach: the daemon address and VM name', () => {
  it('takes "host", else HYPERSCOPE_HOST, else the default address', () => {
    assert.deepEqual(attachAddress({ vm: 'a', host: '127.0.0.1:9000' }, { HYPERSCOPE_HOST: '127.0.0.1:8000' }), { host: '127.0.0.1', port: 9000, vm: 'a' });
    assert.deepEqual(attachAddress({ vm: 'a' }, { HYPERSCOPE_HOST: '8000' }), { host: '127.0.0.1', port: 8000, vm: 'a' });
    assert.deepEqual(attachAddress({ vm: 'a' }, {}), { host: '127.0.0.1', port: 7357, vm: 'a' });
  });

  it('refuses a missing or malformed VM name and an address off the loopback in one line', () => {
    assert.throws(() => attachAddress({}, {}), /^Error: attach needs "vm"/);
    assert.throws(() => attachAddress({ vm: '../x' }, {}), /^Error: "vm": '\.\.\/x' is not a VM name/);
    assert.throws(() => attachAddress({ vm: 'a', host: 7357 }, {}), /^Error: "host" must be a string/);
    assert.throws(() => attachAddress({ vm: 'a', host: '10.0.0.1:7357' }, {}), /^Error: "host": the daemon's address must be 127\.0\.0\.1:PORT/);
    assert.throws(() => attachAddress({ vm: 'a' }, { HYPERSCOPE_HOST: 'example.com:1' }), /^Error: HYPERSCOPE_HOST: /);
  });
});
