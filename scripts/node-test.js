#!/usr/bin/env node
// Runs `node --test` on the files under DIR whose names end with SUFFIX. Node 20's test runner takes no
// globs, and its directory search would also pick up helper modules, so we list the files ourselves.
// Usage: node scripts/node-test.js DIR SUFFIX [node --test flags…]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const [dir, suffix, ...flags] = process.argv.slice(2);
const files = fs
  .readdirSync(dir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(suffix))
  .sort()
  .map((f) => path.join(dir, f));
if (!files.length) {
  console.error(`node-test: no *${suffix} files under ${dir}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...flags, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
