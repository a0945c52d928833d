#!/usr/bin/env bash
# Installs code-server (VS Code with a web UI and a real Node extension host) into a cache folder, for the
# integration and e2e tests and the demo. Not a devDependency: its install needs the offline workarounds
# below, which a plain `npm ci` must not need.
#   - 4.100.3 is the last code-server whose install works on Node 20 (VS Code 1.100.3).
#   - @vscode/ripgrep downloads rg from GitHub; we hand it Debian's rg in the cache file it looks for.
#   - As root, npm must be told unsafe-perm for code-server's postinstall.
# Needs the apt packages libkrb5-dev and ripgrep (.ci/run installs them).
set -euo pipefail
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${CODE_SERVER_PREFIX:-$ROOT/.cache/code-server-$VERSION}"
BIN="$PREFIX/node_modules/.bin/code-server"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "code-server $VERSION already installed at $PREFIX"
  exit 0
fi

for need in rg; do
  command -v "$need" >/dev/null || { echo "install-code-server: '$need' is missing (apt-get install ripgrep libkrb5-dev)" >&2; exit 1; }
done

TMPDIR="${TMPDIR:-/tmp}"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TGZ" ]; then
  work="$(mktemp -d)"
  cp "$(command -v rg)" "$work/rg"
  tar -C "$work" -czf "$RG_TGZ" rg
  rm -rf "$work"
fi

mkdir -p "$PREFIX"
[ -f "$PREFIX/package.json" ] || echo '{"name":"sidelight-code-server-cache","private":true}' > "$PREFIX/package.json"
echo "installing code-server $VERSION into $PREFIX (about a minute)"
export npm_config_unsafe_perm=true npm_config_yes=true
# npm >= 11.19 blocks dependency install scripts until approved; code-server's postinstall (which
# installs VS Code's own modules and builds its native addons) must run, so: fetch without scripts,
# approve them where this npm knows approvals, then run them with `npm rebuild`.
install() {
  npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$VERSION" &&
  { npm install-scripts approve --all >/dev/null 2>&1 || true; } &&
  npm rebuild --foreground-scripts
}
(cd "$PREFIX" && install >"$PREFIX/install.log" 2>&1) || {
  echo "install-code-server: npm install failed; the last lines of $PREFIX/install.log:" >&2
  tail -30 "$PREFIX/install.log" >&2
  exit 1
}
"$BIN" --version
