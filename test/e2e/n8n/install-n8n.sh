#!/usr/bin/env bash
# Idempotently install n8n@2.8.4 (newest n8n that runs on Node 20) into a cache folder outside the repo.
# Usage: bash test/e2e/n8n/install-n8n.sh   -> prints the n8n bin path on the last line of stdout.
set -euo pipefail

N8N_VERSION="2.8.4"
DIR="${CRM_BRIDGE_N8N_DIR:-$HOME/.cache/crm-bridge/n8n-${N8N_VERSION}}"
BIN="$DIR/node_modules/.bin/n8n"
MARKER="$DIR/.install-complete-${N8N_VERSION}"

if [[ -f "$MARKER" && -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
cd "$DIR"
rm -f "$MARKER"

# xlsx: n8n-nodes-base depends on a CDN tarball (cdn.sheetjs.com) that is unreachable offline -> pin the registry copy.
cat > package.json <<JSON
{
  "name": "crm-bridge-n8n-runtime",
  "private": true,
  "version": "0.0.0",
  "description": "n8n ${N8N_VERSION} for CRM Bridge e2e tests (not part of the repo)",
  "dependencies": {
    "n8n": "${N8N_VERSION}"
  },
  "overrides": {
    "xlsx": "0.18.5"
  }
}
JSON

start=$(date +%s)
echo "Installing n8n@${N8N_VERSION} into $DIR (takes ~4 minutes)..." >&2
# --unsafe-perm: running as root must still run native build scripts (sqlite3, isolated-vm).
npm install --no-audit --no-fund --loglevel=error --unsafe-perm >&2

# Smoke check: the CLI must start.
"$BIN" --version >&2
echo "n8n@${N8N_VERSION} installed in $(( $(date +%s) - start ))s" >&2
date -u +%FT%TZ > "$MARKER"
echo "$BIN"
