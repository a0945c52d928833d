#!/usr/bin/env node
// `npm start`: builds the extension, installs it into code-server, and serves the demo workspace (real
// clinical notes with a label schema and a local-folder remote). Your labels persist in .cache/demo
// between runs; `npm start -- --reset` starts from a fresh copy. Stop with Ctrl+C.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const port = Number(process.env.PORT || (args.includes('--port') ? args[args.indexOf('--port') + 1] : 8080));
const demo = path.join(root, '.cache', 'demo');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

execFileSync('bash', [path.join(root, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'inherit' });

if (args.includes('--reset')) fs.rmSync(demo, { recursive: true, force: true });
if (!fs.existsSync(path.join(demo, 'workspace'))) {
  fs.cpSync(path.join(root, 'demo'), demo, { recursive: true });
}
const extensionsDir = path.join(demo, 'extensions');
fs.mkdirSync(extensionsDir, { recursive: true });
// code-server loads an unpacked extension folder placed under its extensions dir, so the demo runs the
// freshly built code without packaging a .vsix.
const link = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
fs.rmSync(link, { recursive: true, force: true });
fs.symlinkSync(root, link, 'dir');

const userData = path.join(demo, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
const settings = path.join(userData, 'User', 'settings.json');
// The demo's own settings are added to whatever the user changed since (their choices win): the demo
// folder lives inside this repository's git checkout, so without `never` the git extension asks about the
// parent repository in the corner; Sidelight opens a note with predictions and its walkthrough beside it.
const demoSettings = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'git.openRepositoryInParentFolders': 'never',
  'sidelight.welcome.openOnStartup': true,
};
let current = {};
try {
  current = fs.existsSync(settings) ? JSON.parse(fs.readFileSync(settings, 'utf8')) : {};
} catch {
  current = undefined; // comments or a syntax error (VS Code reads JSON with comments): left as the user wrote it
}
if (current) {
  fs.writeFileSync(`${settings}.tmp`, JSON.stringify({ ...demoSettings, ...current }, null, 2));
  fs.renameSync(`${settings}.tmp`, settings);
}
const bin = path.join(root, '.cache', 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
const workspace = path.join(demo, 'workspace');
const child = spawn(
  bin,
  ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
   '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', extensionsDir, workspace],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(demo, 'xdg-config'), XDG_DATA_HOME: path.join(demo, 'xdg-data'), EXTENSIONS_GALLERY: '{}' },
  },
);
console.log(`\nSidelight demo: open http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
console.log(`(${fs.readdirSync(path.join(workspace, 'notes')).filter((f) => f.endsWith('.txt')).length} real notes from MTSamples; labels are written under ${path.join(workspace, '.sidelight')}; Ctrl+C stops)`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
