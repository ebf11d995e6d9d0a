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

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
install_begin "$DIR" "$BIN" "$MARKER"
start=$(date +%s)

install_node_runtime "$DIR" crm-bridge-inspector-node "$NODE_VERSION"
NODE_BIN="$NODE_BIN_DIR/node"

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
install_done "$MARKER" "$BIN"
