// `npm start`: builds the extension and opens it in a real VS Code (code-server 4.139 on Node 24,
// installed by scripts/e2e/setup.sh when missing) with the samples folder, on 127.0.0.1, and
// prints the URL to open in a browser. Stays up until Ctrl-C, then stops code-server and every
// process it started (extension host, debug adapters, file watcher) by pid. The first start
// installs Node 24 and code-server (setup.sh says how big and how long, and shows progress);
// scripts/e2e/fresh-start-check.sh checks that path in CI from an empty tool cache.
//
//   npm start [-- --port N] [-- --folder DIR]        (default port 3939, else a free one)
//
// The extension is installed as a symlink to this checkout, so after a rebuild
// (`node scripts/build.mjs`) "Developer: Reload Window" picks up the new dist/.
// VS Code's state (settings, layout, breakpoints) lives in .e2e/start/ (gitignored).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.HYPERSCOPE_E2E_CACHE || join(homedir(), '.cache', 'hyperscope-e2e');
const NODE24 = join(CACHE, 'node24', 'node_modules', '.bin', 'node');
const CODE_SERVER = join(CACHE, 'code-server-4.139.1', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
// setup.sh writes this marker last: entry.js alone may be left by an interrupted install.
const CODE_SERVER_COMPLETE = join(CACHE, 'code-server-4.139.1', '.complete');
const STATE = join(ROOT, '.e2e', 'start');
const DEFAULT_PORT = 3939;

/** VS Code settings that keep code-server quiet and offline (shared with the e2e harness). */
const SETTINGS = {
  ...JSON.parse(readFileSync(join(ROOT, 'scripts', 'e2e', 'code-server-settings.json'), 'utf8')),
  // samples/linux/build can hold a whole kernel build tree: no need to watch it.
  'files.watcherExclude': { '**/build/**': true },
};

function fail(msg) {
  console.error(`npm start: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const out = { port: undefined, folder: join(ROOT, 'samples') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--port') out.port = Number(val());
    else if (a.startsWith('--port=')) out.port = Number(a.slice(7));
    else if (a === '--folder') out.folder = resolve(val());
    else if (a.startsWith('--folder=')) out.folder = resolve(a.slice(9));
    else if (a === '-h' || a === '--help') {
      console.log('usage: npm start [-- --port N] [-- --folder DIR]');
      process.exit(0);
    } else fail(`unknown argument '${a}' (use --port N, --folder DIR)`);
  }
  if (out.port !== undefined && !(Number.isInteger(out.port) && out.port > 0 && out.port < 65536)) fail('--port must be a TCP port number');
  if (!existsSync(out.folder)) fail(`folder '${out.folder}' does not exist`);
  return out;
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail(`${what} failed (exit ${r.status ?? r.signal})`);
}

/** True when 127.0.0.1:port can be bound now. */
function portFree(port) {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** The settings file, with our keys added to whatever the user changed. */
function writeSettings(userDir) {
  mkdirSync(userDir, { recursive: true });
  const file = join(userDir, 'settings.json');
  let current = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // new, or edited into something that is not plain JSON: start over
  }
  writeFileSync(file, JSON.stringify({ ...SETTINGS, ...current }, null, 2));
}

/** The extension as a symlink to this checkout. */
function linkExtension(extDir) {
  mkdirSync(extDir, { recursive: true });
  const link = join(extDir, 'hyperscope.hyperscope-dev');
  try {
    if (lstatSync(link)) rmSync(link, { recursive: true, force: true });
  } catch {
    // not there yet
  }
  symlinkSync(ROOT, link);
}

// ---- process tree teardown (as test/e2e/processes.ts: descendants by /proc, each by pid) ----

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendants(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid === undefined) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()) ?? []) out.push(c), queue.push(c);
  return out;
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function stopTree(root) {
  const pids = [root, ...descendants(root)];
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
  for (const p of [...new Set([...pids, ...descendants(root)])].filter(alive)) signal(p, 'SIGKILL');
}

// ---- main ----

const opts = parseArgs(process.argv.slice(2));

// Ctrl-C (or SIGINT/SIGTERM sent to npm, which passes it on: package.json's start script execs
// this file so no shell sits in between) stops whichever step runs: the first-start install or
// code-server, with every process under it.
let current; // { child, what, status }: status is the exit status when a signal ends it
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (current) {
    console.log(`\nnpm start: stopping ${current.what}`);
    if (current.child.pid) await stopTree(current.child.pid);
  }
  process.exit(code);
}
// Stopping code-server is how a session ends (status 0); an interrupted install is not.
process.on('SIGINT', () => void stop(current?.status ?? 130));
process.on('SIGTERM', () => void stop(current?.status ?? 143));

console.log('npm start: building the extension and the debug adapter');
run(process.execPath, ['scripts/build.mjs'], 'node scripts/build.mjs');
if (!existsSync(NODE24) || !existsSync(CODE_SERVER) || !existsSync(CODE_SERVER_COMPLETE)) {
  // First start (or an interrupted one): setup.sh says what it installs, how big and how long,
  // and shows progress. No browser: the user opens the URL in their own.
  // stdin stays the user's: sudo may ask for a password for apt-get.
  const child = spawn('bash', ['scripts/e2e/setup.sh', '--no-browser'], { cwd: ROOT, stdio: 'inherit' });
  current = { child, what: 'the first-start install (the next npm start resumes it)', status: 130 };
  const status = await new Promise((res) => {
    child.on('error', (e) => res(e.message));
    child.on('exit', (code, sig) => res(code ?? sig));
  });
  if (stopping) await new Promise(() => {}); // stop() exits
  if (status !== 0) fail(`scripts/e2e/setup.sh failed (exit ${status})`);
  current = undefined;
}

const userData = join(STATE, 'user-data');
const extensions = join(STATE, 'extensions');
writeSettings(join(userData, 'User'));
linkExtension(extensions);

let port = opts.port ?? DEFAULT_PORT;
if (!(await portFree(port))) {
  if (opts.port !== undefined) fail(`port ${port} is in use: pick another with --port N`);
  port = 0; // the default is taken: let code-server pick one and print it
}

const server = spawn(
  NODE24,
  [
    CODE_SERVER, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', userData, '--extensions-dir', extensions, opts.folder,
  ],
  {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EXTENSIONS_GALLERY: '{}', PATH: `${dirname(NODE24)}:${process.env.PATH ?? ''}` },
  },
);

current = { child: server, what: 'code-server and its processes', status: 0 };

let seen = '';
let announced = false;
const onData = (chunk) => {
  const text = chunk.toString('utf8');
  if (process.env.HYPERSCOPE_START_VERBOSE === '1') process.stderr.write(text);
  if (announced) return;
  seen += text;
  const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(seen);
  if (!m) return;
  announced = true;
  const url = `${m[1]}/?folder=${encodeURIComponent(opts.folder)}`;
  console.log(`\nHyperscope in VS Code is ready. Open:\n\n    ${url}\n`);
  console.log('Open a sample\'s C file (e.g. hello/hello.c), set a breakpoint, press F5. Ctrl-C stops everything.');
};
server.stdout.on('data', onData);
server.stderr.on('data', onData);
server.on('exit', (code, sig) => {
  if (stopping) return;
  console.error(`npm start: code-server exited (${code ?? sig})${announced ? '' : `: ${seen.trim().split('\n').slice(-3).join(' | ')}`}`);
  void stop(1);
});
