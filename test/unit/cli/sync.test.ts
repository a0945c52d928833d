import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256Hex } from '../../../src/core/fs/sha256';
import { startMoto, type Moto } from '../../harness/moto';
import { ROOT } from '../model/fixtures';
import { cleanupBundles, makeBundle, readSidecar, rmrf, sidecar, sidecarPath, span, tempDir, writeSidecar } from '../sync/helpers';

/**
 * `sidelight sync | status | model` as users run them: the esbuild bundle in a child process, against a
 * real S3 server (moto) and a folder remote.
 */
const CLI = path.join(ROOT, 'dist', 'cli.js');
/** A distinctive secret: it must never appear in anything the CLI prints. */
const SECRET = 'Sidelight-Test-Secret-0xC0FFEE';
const NOTE = 'notes/a.txt';
let moto: Moto;
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  moto = await startMoto();
  tmp = await tempDir('sidelight-cli-sync-');
});
after(async () => {
  await moto?.stop();
  await rmrf(tmp);
  await cleanupBundles();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (asynchronously: this process keeps serving nothing, but must not block moto's client). */
function cli(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: moto.endpoint,
  };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const all = stdout + stderr;
      assert.ok(!all.includes(SECRET), 'the secret key was printed');
      assert.ok(!all.includes('NodeVersionSupportWarning'), `the AWS SDK warning was printed: ${stderr}`);
      resolve({ code, stdout, stderr });
    });
  });
}

function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

async function workspace(name: string, remote?: string): Promise<string> {
  const ws = path.join(tmp, name);
  await fs.mkdir(path.join(ws, '.sidelight'), { recursive: true });
  if (remote) await fs.writeFile(path.join(ws, '.sidelight', 'config.json'), JSON.stringify({ remote }));
  return ws;
}

const ids = (car: { spans: { id: string }[] } | undefined) => (car?.spans ?? []).map((s) => s.id).sort();

for (const kind of ['s3', 'file'] as const) {
  describe(`sync with a ${kind} remote`, () => {
    test('two workspaces label the same note: both labels survive; --json ends with the summary', async () => {
      const remote = kind === 's3' ? `s3://${moto.bucket}/two-${Date.now()}` : `file://${path.join(tmp, `remote-${Date.now()}`)}`;
      if (kind === 'file') await fs.mkdir(new URL(remote), { recursive: true });
      const a = await workspace(`${kind}-a`, remote);
      const b = await workspace(`${kind}-b`);
      await writeSidecar(a, NOTE, sidecar([span('ana-1', 0, 4)]));
      await writeSidecar(b, NOTE, sidecar([span('ben-1', 10, 16)]));

      const first = await cli(['sync', '--workspace', a, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(lastJson(first.stdout), { pushed: 1, pulled: 0, conflicts: 0, deleted: 0, unchanged: 0, models: 0 });
      assert.match(first.stderr, /sidelight sync: .* ⇄ /, 'a progress line on stderr');

      // B has no config: --remote names the remote.
      const second = await cli(['sync', '--workspace', b, '--remote', remote, '--json']);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout.trim().split('\n').length, 1, 'with --json, stdout is the summary line only');
      assert.deepEqual(lastJson(second.stdout), { pushed: 1, pulled: 1, conflicts: 0, deleted: 0, unchanged: 0, models: 0 });

      const third = await cli(['sync', '--workspace', a]);
      assert.equal(third.code, 0, third.stderr);
      assert.match(third.stdout, /^sync: ↑0 ↓1; 0 unchanged/m);
      assert.deepEqual(ids(await readSidecar(a, NOTE)), ['ana-1', 'ben-1']);
      assert.deepEqual(ids(await readSidecar(b, NOTE)), ['ana-1', 'ben-1']);

      const again = await cli(['sync', '--workspace', a, '--json']);
      assert.deepEqual(lastJson(again.stdout), { pushed: 0, pulled: 0, conflicts: 0, deleted: 0, unchanged: 1, models: 0 });
    });
  });
}

test('status --json: what a sync would move, then nothing', async () => {
  const ws = await workspace('status', `s3://${moto.bucket}/status`);
  await writeSidecar(ws, NOTE, sidecar([span('s1', 0, 4)]));
  const before = await cli(['status', '--workspace', ws, '--json']);
  assert.equal(before.code, 0, before.stderr);
  const s = lastJson<{ toPush: string[]; toPull: string[]; conflicts: number; modelMissing: boolean }>(before.stdout);
  assert.deepEqual(s.toPush, ['annotations/notes/a.txt.json']);
  assert.deepEqual(s.toPull, []);
  assert.equal(s.conflicts, 0);
  assert.equal(s.modelMissing, false);
  assert.equal((await cli(['sync', '--workspace', ws])).code, 0);
  const afterSync = lastJson<{ toPush: string[] }>((await cli(['status', '--workspace', ws, '--json'])).stdout);
  assert.deepEqual(afterSync.toPush, []);
  const human = await cli(['status', '--workspace', ws]);
  assert.match(human.stdout, /status: ↑0 ↓0, 0 open conflicts/);
});

test('a file that cannot be synced is named on stderr and the exit code is 1; the others still sync', async () => {
  const remote = `s3://${moto.bucket}/broken`;
  const ws = await workspace('broken', remote);
  await writeSidecar(ws, NOTE, sidecar([span('s1', 0, 4)]));
  const bad = sidecarPath(ws, 'notes/bad.txt');
  await fs.writeFile(bad, '{"spans": [ oops');
  const r = await cli(['sync', '--workspace', ws, '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: annotations\/notes\/bad\.txt\.json: .*bad\.txt\.json.*not valid JSON/);
  assert.equal(lastJson<{ pushed: number }>(r.stdout).pushed, 1);
});

test('model push, list, pull (pin), a rollback, and a sync that fetches the pinned model', async () => {
  const remote = `s3://${moto.bucket}/models-ok`;
  const v1 = await makeBundle('ade', '1.0.0', 4096, 'one');
  const v2 = await makeBundle('ade', '1.1.0', 4096, 'two');
  for (const dir of [v1, v2]) {
    const r = await cli(['model', 'push', dir, '--remote', remote]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pushed ade@1\.[01]\.0 \(3 uploaded, 0 already there\); LATEST → 1\.[01]\.0/);
  }
  const again = await cli(['model', 'push', v1, '--remote', remote]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already on .* with the same content/);

  const ws = await workspace('models', remote);
  const pulled = await cli(['model', 'pull', 'ade', '--workspace', ws]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, /pinned ade@1\.1\.0/);
  // Rolling back = pinning an older version.
  const back = await cli(['model', 'pull', 'ade@1.0.0', '--workspace', ws, '--json']);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(lastJson<{ version: string }>(back.stdout).version, '1.0.0');
  const lock = JSON.parse(await fs.readFile(path.join(ws, '.sidelight', 'model.lock'), 'utf8')) as { name: string; version: string };
  assert.deepEqual([lock.name, lock.version], ['ade', '1.0.0']);

  const list = await cli(['model', 'list', '--workspace', ws]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ade\n {2}1\.0\.0 {2}\(pinned\)\n {2}1\.1\.0 {2}\(LATEST\)\n/);
  const listed = lastJson<{ models: { name: string; versions: string[]; latest: { version: string } }[] }>((await cli(['model', 'list', '--remote', remote, '--json'])).stdout);
  assert.deepEqual(listed.models.map((m) => [m.name, m.versions, m.latest.version]), [['ade', ['1.0.0', '1.1.0'], '1.1.0']]);

  // A teammate clones the workspace (model.lock is in git, .sidelight/models/ is not): sync fetches the model.
  const mate = await workspace('models-mate', remote);
  await fs.copyFile(path.join(ws, '.sidelight', 'model.lock'), path.join(mate, '.sidelight', 'model.lock'));
  const sync = await cli(['sync', '--workspace', mate, '--json']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(lastJson<{ models: number }>(sync.stdout).models, 1);
  assert.ok(existsSync(path.join(mate, '.sidelight', 'models', 'ade', '1.0.0', 'model.onnx')));
});

test('a tampered model file on the remote: pull refused, exit 1, nothing pinned or installed', async () => {
  const prefix = 'models-tampered';
  const dir = await makeBundle('ade', '2.0.0', 4096, 'three');
  assert.equal((await cli(['model', 'push', dir, '--remote', `s3://${moto.bucket}/${prefix}`])).code, 0);
  await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/models/ade/2.0.0/model.onnx`, Body: Buffer.alloc(4096, 7) }));
  const ws = await workspace('tampered', `s3://${moto.bucket}/${prefix}`);
  const r = await cli(['model', 'pull', 'ade@2.0.0', '--workspace', ws]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /model\.onnx: sha256 differs from manifest\.json .*refused/);
  assert.ok(!existsSync(path.join(ws, '.sidelight', 'model.lock')), 'nothing pinned');
  assert.ok(!existsSync(path.join(ws, '.sidelight', 'models', 'ade', '2.0.0')), 'nothing installed where the runner looks');
});

test('model pull NAME@VERSION never replaces a pinned or installed version with a rewritten manifest', async () => {
  const prefix = 'models-rewritten';
  const remote = `s3://${moto.bucket}/${prefix}`;
  const dir = await makeBundle('ade', '3.0.0', 2048, 'original');
  assert.equal((await cli(['model', 'push', dir, '--remote', remote])).code, 0);
  const pinned = await workspace('rewrite-pinned', remote);
  assert.equal((await cli(['model', 'pull', 'ade@3.0.0', '--workspace', pinned])).code, 0);
  const lockFile = path.join(pinned, '.sidelight', 'model.lock');
  const lockBefore = await fs.readFile(lockFile, 'utf8');
  // Someone who can write the bucket rewrites the published version consistently: a new config.json
  // (ADE and DRUG swapped), a manifest that lists it, and LATEST naming that manifest.
  const config = Buffer.from(JSON.stringify({ id2label: { 0: 'O', 1: 'B-DRUG', 2: 'I-DRUG' } }));
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string; size: number }> };
  manifest.files['config.json'] = { sha256: sha256Hex(config), size: config.length };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const put = (key: string, body: Buffer) => moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/models/ade/${key}`, Body: body }));
  await put('3.0.0/config.json', config);
  await put('3.0.0/manifest.json', manifestBytes);
  await put('LATEST', Buffer.from(JSON.stringify({ version: '3.0.0', manifestSha256: sha256Hex(manifestBytes) })));

  for (const ref of ['ade@3.0.0', 'ade']) {
    const r = await cli(['model', 'pull', ref, '--workspace', pinned]);
    assert.equal(r.code, 1, `${ref}: refused (${r.stdout})`);
    assert.match(r.stderr, /ade@3\.0\.0 is pinned .* a published version was rewritten on the remote/);
    assert.equal(await fs.readFile(lockFile, 'utf8'), lockBefore, `${ref}: the lock is unchanged`);
  }
  const installedConfig = await fs.readFile(path.join(pinned, '.sidelight', 'models', 'ade', '3.0.0', 'config.json'), 'utf8');
  assert.match(installedConfig, /B-ADE/, 'the installed files are unchanged');

  // Installed but pinned to something else (or the lock deleted): still refused.
  await fs.rm(lockFile);
  const installed = await cli(['model', 'pull', 'ade@3.0.0', '--workspace', pinned]);
  assert.equal(installed.code, 1);
  assert.match(installed.stderr, /is installed in .* a published version was rewritten on the remote/);
});

test('model pull of another version says which pin it replaced', async () => {
  const remote = `s3://${moto.bucket}/models-repin`;
  for (const v of ['4.0.0', '4.1.0']) assert.equal((await cli(['model', 'push', await makeBundle('ade', v, 1024, v), '--remote', remote])).code, 0);
  const ws = await workspace('repin', remote);
  assert.doesNotMatch((await cli(['model', 'pull', 'ade', '--workspace', ws])).stdout, /\(was /);
  const back = await cli(['model', 'pull', 'ade@4.0.0', '--workspace', ws]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /pinned ade@4\.0\.0 in \.sidelight\/model\.lock \(was ade@4\.1\.0\)/);
});

test('usage errors exit 2 with the usage', async () => {
  const r = await cli(['sync']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--workspace DIR is required[\s\S]*Usage: sidelight sync/);
  const m = await cli(['model', 'frobnicate']);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /unknown subcommand "frobnicate"/);
  const noRemote = await cli(['status', '--workspace', await workspace('no-remote')]);
  assert.equal(noRemote.code, 2);
  assert.match(noRemote.stderr, /no remote/);
});
