/**
 * scripts/e2e/setup.sh started from inside npm (`npm start`, `npm run ...`) runs its nested
 * `npm install`s as when run by hand: none of the calling npm's environment reaches them. Under
 * Node 20, npm_config_user_agent said "node/v20" and code-server's postinstall refused to install
 * ("code-server currently requires node v24"). A stand-in `npm` first on PATH records the
 * environment it is given and fails, so nothing is installed.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../guests/guest-runner';

const SETUP = path.join(ROOT, 'scripts', 'e2e', 'setup.sh');
/** npm settings that only say how to reach a registry: setup.sh keeps them (none names a Node). */
const REGISTRY_SETTINGS = new Set(
  ['registry', 'proxy', 'https_proxy', 'http_proxy', 'noproxy', 'no_proxy', 'cafile', 'ca', 'strict_ssl', 'userconfig', 'globalconfig', 'cache'].map((k) => `npm_config_${k}`),
);

describe('scripts/e2e/setup.sh under npm', function () {
  this.timeout(30_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hyperscope-setup-env-'));
  const fakeBin = path.join(tmp, 'bin');
  const dump = path.join(tmp, 'npm-env.txt');
  const cache = path.join(tmp, 'cache');
  after(() => rmSync(tmp, { recursive: true, force: true }));

  // What npm 11 under Node 20 puts in a script's environment (see @npmcli/config set-envs.js and
  // @npmcli/run-script), plus a registry setting a user may have exported on purpose.
  const npmEnv = {
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    npm_config_nodedir: '/usr',
    npm_config_local_prefix: ROOT,
    npm_config_global_prefix: '/usr',
    npm_config_npm_version: '11.19.1',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    npm_node_execpath: '/usr/bin/node',
    npm_lifecycle_event: 'start',
    npm_lifecycle_script: 'node scripts/start.mjs',
    npm_package_json: path.join(ROOT, 'package.json'),
    npm_package_name: 'hyperscope',
    npm_command: 'start',
    NODE: '/usr/bin/node',
    INIT_CWD: ROOT,
    npm_config_registry: 'http://registry.invalid/',
  };

  function runSetup(...args: string[]) {
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(path.join(fakeBin, 'npm'), `#!/bin/sh\nenv > "${dump}"\necho "stand-in npm: not installing" >&2\nexit 1\n`);
    chmodSync(path.join(fakeBin, 'npm'), 0o755);
    // npm prepends node_modules/.bin of the package and its parents, and its node-gyp-bin.
    const npmPath = [path.join(ROOT, 'node_modules', '.bin'), '/node_modules/.bin', '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin'];
    return spawnSync('bash', [SETUP, ...args], {
      encoding: 'utf8',
      timeout: 25_000,
      env: { ...process.env, ...npmEnv, HYPERSCOPE_E2E_CACHE: cache, PATH: [...npmPath, fakeBin, process.env.PATH].join(':') },
    });
  }

  it('gives the nested npm install none of the calling npm\'s variables or PATH entries', () => {
    const r = runSetup('--no-browser');
    assert.equal(r.status, 1, r.stderr);
    const env = new Map(
      readFileSync(dump, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
    );
    const leaked = [...env.keys()].filter((k) => (/^npm_/i.test(k) && !REGISTRY_SETTINGS.has(k)) || k === 'NODE' || k === 'INIT_CWD');
    assert.deepEqual(leaked, []);
    const entries = (env.get('PATH') ?? '').split(':');
    assert.deepEqual(entries.filter((e) => /node_modules\/\.bin\/?$|node-gyp-bin/.test(e)), []);
    assert.ok(entries.includes(fakeBin), 'the rest of PATH is kept');
    assert.equal(env.get('npm_config_registry'), 'http://registry.invalid/', 'how to reach the registry is kept');
  });

  it('says what the first start installs, where, how big and how long, then one line on failure', () => {
    const r = runSetup('--no-browser');
    assert.match(r.stdout, new RegExp(`first start: installs Node 24 and code-server \\(about \\d+ MB into ${cache.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\), takes about \\d`));
    assert.match(r.stderr, /installing node@24 failed; full log: .*node24-install\.log$/m);
  });

  it('refuses an unknown argument with one line and status 2', () => {
    const r = runSetup('--bogus');
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), "[e2e-setup] unknown argument '--bogus' (use --no-browser)");
  });
});
