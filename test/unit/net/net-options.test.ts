import { strict as assert } from 'node:assert';
import { parseRunArgs, UsageError } from '../../../hypervisor-core/cli/args';
import { LaunchError, resolveLaunch } from '../../../debug-adapter/launch-config';

describe('network command-line options', () => {
  it('--net user with hostfwd and mac, as QEMU -nic user spells them', () => {
    const o = parseRunArgs(['k', '--net', 'user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp::2222-:22,mac=52:54:00:12:34:99']);
    assert.deepEqual(o.net, {
      kind: 'user', mac: '52:54:00:12:34:99',
      hostfwd: [
        { protocol: 'tcp', hostPort: 8080, guestAddr: '10.0.2.15', guestPort: 80 },
        { protocol: 'tcp', hostPort: 2222, guestAddr: '10.0.2.15', guestPort: 22 },
      ],
    });
  });

  it('--hostfwd alone implies --net user, before or after --net', () => {
    assert.deepEqual(parseRunArgs(['k', '--hostfwd', 'tcp:127.0.0.1:8080-:80']).net,
      { kind: 'user', hostfwd: [{ protocol: 'tcp', hostPort: 8080, guestAddr: '10.0.2.15', guestPort: 80 }] });
    const o = parseRunArgs(['k', '--hostfwd=tcp:127.0.0.1:1-:2', '--net', 'user', '--hostfwd', 'tcp:127.0.0.1:3-:4']);
    assert.deepEqual(o.net?.hostfwd.map((r) => r.hostPort), [1, 3]);
    assert.equal(parseRunArgs(['k']).net, undefined);
  });

  it('refuses what would listen outside 127.0.0.1, other protocols, bad MACs, two networks', () => {
    const refused = (args: string[], re: RegExp) => assert.throws(() => parseRunArgs(['k', ...args]), (e: Error) => e instanceof UsageError && re.test(e.message));
    refused(['--hostfwd', 'tcp:0.0.0.0:8080-:80'], /host address must be 127.0.0.1/);
    refused(['--hostfwd', 'tcp::70000-:80'], /ports are 1 to 65535/);
    refused(['--net', 'user,hostfwd=udp::53-:53'], /only tcp/);
    refused(['--net', 'tap,ifname=tap0'], /--net takes user/);
    refused(['--net', 'user,mac=01:00:5e:00:00:01'], /multicast/);
    refused(['--net', 'user,mac=52:54'], /not a MAC address/);
    refused(['--net', 'user,restrict=on'], /unknown parameter 'restrict=on'/);
    refused(['--net', 'user', '--nic', 'user'], /given twice/);
    refused(['--net', 'user', '--bare'], /not under --bare/);
  });

  it('the launch attribute net takes the same text; a bad one is a one-line launch error', () => {
    const o = resolveLaunch({ program: 'samples/hello/hello.elf', net: 'user,hostfwd=tcp:127.0.0.1:8080-:80' });
    assert.deepEqual(o.net, { kind: 'user', hostfwd: [{ protocol: 'tcp', hostPort: 8080, guestAddr: '10.0.2.15', guestPort: 80 }] });
    assert.throws(() => resolveLaunch({ program: 'samples/hello/hello.elf', net: 'user,hostfwd=tcp:0.0.0.0:80-:80' }),
      (e: Error) => e instanceof LaunchError && /must be 127.0.0.1/.test(e.message));
    assert.throws(() => resolveLaunch({ program: 'samples/hello/hello.elf', net: true as unknown as string }),
      (e: Error) => e instanceof LaunchError && /net must be a string/.test(e.message));
  });
});
