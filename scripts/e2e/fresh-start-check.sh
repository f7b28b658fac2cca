#!/usr/bin/env bash
# A newcomer's first start, as CI checks it: with an empty tool cache, `npm start` run under npm
# (as a user runs it) installs Node 24 and code-server through scripts/e2e/setup.sh, prints the
# URL, and VS Code's workbench answers there; SIGINT to npm then stops every process it started.
#
#   HYPERSCOPE_E2E_CACHE=<empty dir> bash scripts/e2e/fresh-start-check.sh
#
# Without HYPERSCOPE_E2E_CACHE it installs into a new temp dir and removes it afterwards. .ci/run
# gives it an empty dir and then runs `npm test` on the same, so CI installs code-server once.
# Exit status: 0 passed, 1 a check failed (one line says which; npm start's output is above it),
# 2 the cache dir is not empty.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# Generous guards against a hang, not timings: the install takes minutes on a slow link.
URL_WAIT=${HYPERSCOPE_FRESH_START_WAIT:-2400}
STOP_WAIT=30

say() { echo "[fresh-start-check] $*"; }
fail() {
  echo "[fresh-start-check] FAILED: $*" >&2
  exit 1
}

temp_cache=""
if [ -z "${HYPERSCOPE_E2E_CACHE:-}" ]; then
  temp_cache="$(mktemp -d "${TMPDIR:-/tmp}/hyperscope-fresh-cache-XXXXXX")"
  export HYPERSCOPE_E2E_CACHE="$temp_cache"
fi
mkdir -p "$HYPERSCOPE_E2E_CACHE"
if [ -n "$(ls -A "$HYPERSCOPE_E2E_CACHE")" ]; then
  echo "[fresh-start-check] $HYPERSCOPE_E2E_CACHE is not empty: the check needs an empty tool cache" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/hyperscope-fresh-start-XXXXXX")"
npm_pid=""
pids=()

# Every process under `pid`, from /proc (children first seen are listed before theirs).
descendants() {
  local kid
  for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$kid"
    descendants "$kid"
  done
}
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

cleanup() {
  local p
  # Only what this check started: npm and the processes seen under it.
  if [ -n "$npm_pid" ] && alive "$npm_pid"; then
    for p in "$npm_pid" $(descendants "$npm_pid") "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  fi
  rm -rf "$work"
  [ -z "$temp_cache" ] || rm -rf "$temp_cache"
}
trap cleanup EXIT

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
say "npm start -- --port $port, tool cache $HYPERSCOPE_E2E_CACHE (empty)"
began=$SECONDS
cd "$ROOT"
# As a user starts it: npm on the command line, here without a terminal (CI has no stdin).
npm start -- --port "$port" </dev/null >"$work/start.log" 2>&1 &
npm_pid=$!
# Its output, shown as it comes (a child of this script, not of npm, so not among npm's processes).
tail -n +1 -f --pid="$npm_pid" "$work/start.log" &

url=""
while [ -z "$url" ]; do
  alive "$npm_pid" || fail "npm start exited before printing a URL (see its output above)"
  [ $((SECONDS - began)) -lt "$URL_WAIT" ] || fail "no URL from npm start after ${URL_WAIT}s"
  sleep 1
  url="$(grep -o "http://127\.0\.0\.1:$port/?folder=[^[:space:]]*" "$work/start.log" | head -1 || true)"
done
took=$((SECONDS - began))
say "URL printed after $((took / 60))m$(printf '%02d' $((took % 60)))s: $url"

# The workbench page, then the workbench script it loads: both from code-server, over HTTP.
node - "$url" <<'EOF' || fail "the workbench does not answer at the printed URL"
const url = process.argv[2];
const get = async (u) => {
  const r = await fetch(u, { signal: AbortSignal.timeout(60_000) });
  return { status: r.status, text: await r.text() };
};
(async () => {
  const page = await get(url);
  if (page.status !== 200) throw new Error(`${url} answered HTTP ${page.status}`);
  for (const mark of ['id="vscode-workbench-web-configuration"', '/workbench/workbench.js']) {
    if (!page.text.includes(mark)) throw new Error(`${url}: no ${mark} in the page`);
  }
  const src = /src="([^"]*\/workbench\/workbench\.js)"/.exec(page.text)?.[1];
  const script = await get(new URL(src, url).toString());
  if (script.status !== 200 || script.text.length < 1000) throw new Error(`workbench.js answered HTTP ${script.status}, ${script.text.length} bytes`);
  console.log(`[fresh-start-check] workbench answers: page HTTP 200 (${page.text.length} bytes), workbench.js HTTP 200 (${script.text.length} bytes)`);
})().catch((e) => {
  console.error(`[fresh-start-check] ${e.message}`);
  process.exit(1);
});
EOF

mapfile -t pids < <(descendants "$npm_pid")
say "stopping npm start with SIGINT to npm (pid $npm_pid; ${#pids[@]} processes under it)"
kill -INT "$npm_pid"
stop_began=$SECONDS
while alive "$npm_pid"; do
  [ $((SECONDS - stop_began)) -lt $STOP_WAIT ] || fail "npm did not exit within ${STOP_WAIT}s of SIGINT"
  sleep 1
done
status=0
wait "$npm_pid" || status=$?
[ "$status" = 0 ] || fail "npm start exited with status $status after SIGINT (expected 0)"
left=()
for p in "${pids[@]}"; do alive "$p" && left+=("$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-100)"); done
[ ${#left[@]} -eq 0 ] || fail "processes left after npm start stopped: ${left[*]}"
node -e "require('net').connect($port,'127.0.0.1').on('connect',()=>process.exit(1)).on('error',()=>process.exit(0))" ||
  fail "something still listens on 127.0.0.1:$port"
npm_pid=""
say "passed: first start answered after $((took / 60))m$(printf '%02d' $((took % 60)))s; all ${#pids[@]} processes gone after SIGINT; $(du -sm "$HYPERSCOPE_E2E_CACHE" | cut -f1) MB in the tool cache"
