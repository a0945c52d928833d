import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from '../../../src/core/errors';
import { parseModelLock, readModelLock, writeModelLock } from '../../../src/core/model/modelLock';
import { resolveModelDir } from '../../../src/core/model/resolveModel';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { SyncEngine } from '../../../src/core/sync/syncEngine';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tempDir(prefix: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

const GOOD = { name: 'ade', version: '2.1.0', manifestSha256: 'ab'.repeat(32) };

async function workspaceWithLock(lock: string): Promise<string> {
  const ws = await tempDir('sidelight-lock-');
  await fs.mkdir(path.join(ws, '.sidelight'));
  await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), lock);
  return ws;
}

// The editor resolves the model with resolveModelDir; `sidelight sync` reads the lock to fetch the pinned
// model. Both go through modelLock.ts, so one lock is valid for both or for neither.
for (const [what, lock, problem] of [
  ['a manifestSha256 that is not 64 hex digits', { ...GOOD, manifestSha256: 'not-a-sha' }, /model\.lock: manifestSha256 must be 64 hex digits/],
  ['an upper-case sha256', { ...GOOD, manifestSha256: 'AB'.repeat(32) }, /model\.lock: manifestSha256 must be 64 hex digits/],
  ['a name that leaves the models folder', { ...GOOD, name: '../x' }, /model\.lock: name "\.\.\/x" must be letters/],
  ['a version with a space', { ...GOOD, version: '1 0' }, /model\.lock: version "1 0" must be letters/],
] as const) {
  test(`a lock with ${what} is refused by the editor's model resolution and by sync alike`, async () => {
    const ws = await workspaceWithLock(JSON.stringify(lock));
    await assert.rejects(resolveModelDir({ workspaceDir: ws, defaultDir: '/default' }), (e: unknown) => e instanceof InputError && problem.test(e.message));
    const remote = new FileRemote(await tempDir('sidelight-lock-remote-'));
    const synced = await new SyncEngine().sync({ workspaceDir: ws, remote });
    assert.equal(synced.models, 0);
    assert.ok(synced.errors.some((m) => problem.test(m)), `sync reports the lock: ${JSON.stringify(synced.errors)}`);
    const status = await new SyncEngine().status({ workspaceDir: ws, remote });
    assert.ok(status.errors.some((m) => problem.test(m)), `status reports the lock: ${JSON.stringify(status.errors)}`);
  });
}

test('a valid lock is read the same by both: the editor resolves its folder, sync looks for that model', async () => {
  const ws = await workspaceWithLock(`\ufeff${JSON.stringify(GOOD)}`);
  assert.deepEqual(await readModelLock(ws), GOOD);
  assert.deepEqual(await resolveModelDir({ workspaceDir: ws, defaultDir: '/default' }), {
    dir: path.join(ws, '.sidelight', 'models', 'ade', '2.1.0'),
    source: 'lock',
    manifestSha256: GOOD.manifestSha256,
  });
  const synced = await new SyncEngine().sync({ workspaceDir: ws, remote: new FileRemote(await tempDir('sidelight-lock-remote-')) });
  assert.ok(synced.errors.some((m) => m.startsWith('model: ') && m.includes('no model ade@2.1.0')), JSON.stringify(synced.errors));
});

test('no lock: undefined; a lock that cannot be parsed names the file', async () => {
  assert.equal(await readModelLock(await tempDir('sidelight-lock-')), undefined);
  assert.throws(() => parseModelLock('[1]', 'x/model.lock'), /x\/model\.lock: expected a JSON object/);
  assert.throws(() => parseModelLock('{"name": "a", "version": "1"}', 'model.lock'), /manifestSha256 must be 64 hex digits/);
});

test('writeModelLock writes only what readModelLock accepts, and round-trips', async () => {
  const ws = await tempDir('sidelight-lock-');
  await assert.rejects(writeModelLock(ws, { ...GOOD, manifestSha256: 'x' }), /manifestSha256 must be 64 hex digits/);
  assert.equal(await readModelLock(ws), undefined, 'nothing was written');
  await writeModelLock(ws, GOOD);
  assert.deepEqual(await readModelLock(ws), GOOD);
  assert.equal(await fs.readFile(path.join(ws, '.sidelight', 'model.lock'), 'utf8'), `${JSON.stringify(GOOD, null, 2)}\n`);
});
