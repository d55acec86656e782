#!/usr/bin/env bash
# Installs the js-ipfs test daemon (ipfs@0.66.1) into a cache folder of its own, outside the
# project's node_modules, once. Prints the folder. Used by test/ipfs/support/js-ipfs.ts.
# SAMIZDAT_JS_IPFS_DIR overrides the folder (default: $HOME/.cache/samizdat/js-ipfs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${SAMIZDAT_JS_IPFS_DIR:-${HOME:-/tmp}/.cache/samizdat/js-ipfs}"
stamp="$dest/.installed-$(sha256sum "$here/package.json" | cut -c1-16)"
if [ -f "$stamp" ] && [ -f "$dest/node_modules/ipfs/src/cli.js" ]; then echo "$dest"; exit 0; fi
mkdir -p "$dest"
exec 9>"$dest.lock"
flock 9
if [ ! -f "$stamp" ]; then
  cp "$here/package.json" "$here/polyfill.cjs" "$dest/"
  (cd "$dest" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >"$dest/install.log" 2>&1) || {
    echo "js-ipfs install failed; see $dest/install.log" >&2; tail -20 "$dest/install.log" >&2; exit 1; }
  rm -f "$dest"/.installed-*
  touch "$stamp"
fi
cp "$here/polyfill.cjs" "$dest/"
echo "$dest"
