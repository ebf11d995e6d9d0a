#!/usr/bin/env bash
# Idempotently install the official MCP Inspector CLI into a cache folder OUTSIDE the repo (not a package dependency).
#   bash test/e2e/inspector/install-inspector.sh   -> last line of stdout = path of a wrapper that runs the Inspector
# The Inspector 2.x needs Node >= 22.19, and the tests run on Node 20: Node 24 comes from the npm package `node` into
# <dir>/runtime (as install-n8n.sh does for n8n 2.40), and the wrapper runs the Inspector on it.
# Folder: ${CRM_BRIDGE_INSPECTOR_DIR:-$HOME/.cache/crm-bridge/inspector-<version>}. Needs only the npm registry.
set -euo pipefail

INSPECTOR_VERSION="2.12.0"
NODE_VERSION="24.21.0"
DIR="${CRM_BRIDGE_INSPECTOR_DIR:-$HOME/.cache/crm-bridge/inspector-${INSPECTOR_VERSION}}"
BIN="$DIR/inspector"
MARKER="$DIR/.crm-bridge-install-complete"

if [[ -f "$MARKER" && -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
# Serialize concurrent callers (several test files, two CI steps) when flock is available.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  flock 9
  if [[ -f "$MARKER" && -x "$BIN" ]]; then
    echo "$BIN"
    exit 0
  fi
fi
cd "$DIR"
rm -f "$MARKER"
start=$(date +%s)

# The `node` package's preinstall fetches the platform's Node from the registry. It gets a folder of its own: a
# later install beside it would prune the platform package, which is in no lockfile.
rm -rf "$DIR/runtime"
mkdir -p "$DIR/runtime"
cat >"$DIR/runtime/package.json" <<JSON
{ "name": "crm-bridge-inspector-node", "private": true, "version": "0.0.0", "dependencies": { "node": "${NODE_VERSION}" } }
JSON
echo "Installing Node ${NODE_VERSION} (npm package 'node') into $DIR/runtime..." >&2
(cd "$DIR/runtime" && npm install --no-audit --no-fund --loglevel=error >&2)
NODE_BIN="$DIR/runtime/node_modules/node/bin/node"
"$NODE_BIN" --version >&2

cat >package.json <<JSON
{
  "name": "crm-bridge-inspector",
  "private": true,
  "version": "0.0.0",
  "description": "MCP Inspector ${INSPECTOR_VERSION} for CRM Bridge tests (kept outside the repo on purpose)",
  "dependencies": { "@modelcontextprotocol/inspector": "${INSPECTOR_VERSION}" }
}
JSON
echo "Installing @modelcontextprotocol/inspector@${INSPECTOR_VERSION} into $DIR..." >&2
npm install --no-audit --no-fund --loglevel=error >&2

cat >"$BIN" <<SH
#!/usr/bin/env bash
# MCP Inspector ${INSPECTOR_VERSION} on Node ${NODE_VERSION} (written by install-inspector.sh).
exec "${NODE_BIN}" "${DIR}/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" "\$@"
SH
chmod +x "$BIN"
"$BIN" --help >/dev/null
echo "@modelcontextprotocol/inspector@${INSPECTOR_VERSION} installed in $(($(date +%s) - start))s ($(du -sh "$DIR" | cut -f1))" >&2
date -u +%FT%TZ >"$MARKER"
echo "$BIN"
