# Shared steps of the e2e install scripts (install-n8n.sh, install-inspector.sh), sourced by them; not run on its own.
# Each installs into a cache folder outside the repo and prints the path of its CLI as the last line of stdout.

# install_begin DIR BIN MARKER: when MARKER and an executable BIN exist, prints BIN and ends the calling script.
# Otherwise serializes concurrent callers (several test files or workers, two CI steps) on DIR.lock when flock is
# available, checks again under the lock, enters DIR and removes MARKER, so an interrupted install is redone.
install_begin() {
  local dir="$1" bin="$2" marker="$3"
  if [[ -f "$marker" && -x "$bin" ]]; then
    echo "$bin"
    exit 0
  fi
  mkdir -p "$dir"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir.lock"
    flock 9
    if [[ -f "$marker" && -x "$bin" ]]; then
      echo "$bin"
      exit 0
    fi
  fi
  cd "$dir"
  rm -f "$marker"
}

# install_node_runtime DIR NAME VERSION: Node VERSION from the npm package `node` into DIR/runtime; sets NODE_BIN_DIR.
# The package's preinstall fetches the platform's Node (with its headers) from the registry. It gets a folder of its
# own, from scratch each time: a later install beside it would prune the platform package, which is in no lockfile.
install_node_runtime() {
  local dir="$1" name="$2" version="$3"
  rm -rf "$dir/runtime"
  mkdir -p "$dir/runtime"
  cat >"$dir/runtime/package.json" <<JSON
{ "name": "${name}", "private": true, "version": "0.0.0", "dependencies": { "node": "${version}" } }
JSON
  echo "Installing Node ${version} (npm package 'node') into $dir/runtime..." >&2
  (cd "$dir/runtime" && npm install --no-audit --no-fund --loglevel=error >&2)
  NODE_BIN_DIR="$dir/runtime/node_modules/node/bin"
  "$NODE_BIN_DIR/node" --version >&2
}

# install_done MARKER BIN: marks the install complete (the date it finished) and prints BIN.
install_done() {
  date -u +%FT%TZ >"$1"
  echo "$2"
}
