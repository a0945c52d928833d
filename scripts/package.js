#!/usr/bin/env node
// Builds a platform-specific .vsix (`vsce package --target <platform>-<arch>`) that carries only that
// platform's onnxruntime binaries, and prints its size. Usage: node scripts/package.js [--target linux-x64]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const i = process.argv.indexOf('--target');
const target = i > 0 ? process.argv[i + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);

const ignore = fs
  .readFileSync(path.join(root, '.vscodeignore'), 'utf8')
  .replace('napi-v6/linux/x64/', `napi-v6/${platform}/${arch}/`);
const ignoreFile = path.join(root, '.cache', `vscodeignore-${target}`);
fs.mkdirSync(path.dirname(ignoreFile), { recursive: true });
fs.writeFileSync(ignoreFile, ignore);

// A clean production build: no source maps or stale files from a dev build end up in the package.
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync('node', ['esbuild.js', '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(
  process.execPath,
  [require.resolve('@vscode/vsce/vsce'), 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--skip-license', '--no-rewrite-relative-links', '--allow-missing-repository'],
  { cwd: root, stdio: 'inherit' },
);
const mb = (fs.statSync(out).size / 1024 / 1024).toFixed(1);
console.log(`packaged ${path.relative(root, out)}: ${mb} MB`);
