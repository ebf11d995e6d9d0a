#!/usr/bin/env bash
# Idempotently install n8n@2.8.4 (the newest n8n that runs on Node 20) into a cache folder OUTSIDE the repo.
#   bash test/e2e/n8n/install-n8n.sh        -> last line of stdout = path of the n8n CLI
# Folder: ${CRM_BRIDGE_N8N_DIR:-$HOME/.cache/crm-bridge/n8n-2.8.4}. Needs only the npm registry
# (plus python3, make, g++ and the Node headers to compile sqlite3; see README.md). ~3-4 min, ~2.3 GB.
set -euo pipefail

N8N_VERSION="2.8.4"
DIR="${CRM_BRIDGE_N8N_DIR:-$HOME/.cache/crm-bridge/n8n-${N8N_VERSION}}"
BIN="$DIR/node_modules/.bin/n8n"
MARKER="$DIR/.crm-bridge-install-complete"

if [[ -f "$MARKER" && -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
# Serialize concurrent callers (e.g. several test workers) when flock is available.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  flock 9
  if [[ -f "$MARKER" && -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
fi
cd "$DIR"
rm -f "$MARKER"

# sqlite3 (n8n's DB driver) is a native addon: its prebuilt binary comes from github.com and node-gyp fetches the
# Node headers from nodejs.org, both unreachable here. Point node-gyp at the headers installed with Node itself.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  NODE_PREFIX="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
  if [[ -f "$NODE_PREFIX/include/node/node.h" ]]; then
    export npm_config_nodedir="$NODE_PREFIX"
  else
    echo "WARNING: no Node headers at $NODE_PREFIX/include/node; building sqlite3 needs npm_config_nodedir=<dir with include/node/node.h>" >&2
  fi
fi
for tool in python3 make g++; do
  command -v "$tool" >/dev/null 2>&1 || echo "WARNING: '$tool' not found; sqlite3 cannot be compiled (apt-get install -y python3 make g++)" >&2
done

# xlsx: n8n-nodes-base depends on a tarball from cdn.sheetjs.com (unreachable): pin the registry copy instead.
cat > package.json <<JSON
{
  "name": "crm-bridge-n8n-runtime",
  "private": true,
  "version": "0.0.0",
  "description": "n8n ${N8N_VERSION} for CRM Bridge e2e tests (kept outside the repo on purpose)",
  "dependencies": {
    "n8n": "${N8N_VERSION}"
  },
  "overrides": {
    "xlsx": "0.18.5"
  }
}
JSON

start=$(date +%s)
echo "Installing n8n@${N8N_VERSION} into $DIR (takes ~3-4 minutes)..." >&2
npm install --no-audit --no-fund --loglevel=error >&2

# Smoke checks: the CLI starts and the sqlite3 addon loads.
"$BIN" --version >&2
node -e "require('$DIR/node_modules/sqlite3')" >&2
echo "n8n@${N8N_VERSION} installed in $(( $(date +%s) - start ))s ($(du -sh "$DIR" | cut -f1))" >&2
date -u +%FT%TZ > "$MARKER"
echo "$BIN"
