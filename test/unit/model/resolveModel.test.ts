import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { defaultModelDir, packageRoot } from '../../../src/core/model/defaultModel';
import { resolveModelDir } from '../../../src/core/model/resolveModel';
import { ROOT } from './fixtures';

test('which model: the setting, else model.lock, else the embedded default', async () => {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-ws-'));
  try {
    const defaultDir = '/ext/models/default';
    assert.deepEqual(await resolveModelDir({ workspaceDir: ws, defaultDir }), { dir: defaultDir, source: 'default' });
    assert.deepEqual(await resolveModelDir({ defaultDir }), { dir: defaultDir, source: 'default' });
    await fs.mkdir(path.join(ws, '.sidelight'));
    await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), JSON.stringify({ name: 'ade', version: '2.1.0', manifestSha256: 'ab'.repeat(32) }));
    assert.deepEqual(await resolveModelDir({ workspaceDir: ws, defaultDir }), {
      dir: path.join(ws, '.sidelight', 'models', 'ade', '2.1.0'),
      source: 'lock',
      manifestSha256: 'ab'.repeat(32),
    });
    assert.deepEqual(await resolveModelDir({ workspaceDir: ws, settingPath: 'my/model', defaultDir }), { dir: path.join(ws, 'my/model'), source: 'setting' });
    assert.deepEqual(await resolveModelDir({ workspaceDir: ws, settingPath: '/abs/model', defaultDir }), { dir: '/abs/model', source: 'setting' });
    await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), JSON.stringify({ name: '../..', version: '1', manifestSha256: 'x' }));
    await assert.rejects(resolveModelDir({ workspaceDir: ws, defaultDir }), /model\.lock: name "\.\.\/\.\." must be letters, digits/);
    await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), '{');
    await assert.rejects(resolveModelDir({ workspaceDir: ws, defaultDir }), /model\.lock: not valid JSON/);
  } finally {
    await fs.rm(ws, { recursive: true, force: true });
  }
});

test('the embedded default lives at <package root>/models/default, found from dist/ or out/', () => {
  assert.equal(packageRoot(path.join(ROOT, 'dist')), ROOT);
  assert.equal(defaultModelDir(path.join(ROOT, 'out', 'src', 'core', 'model')), path.join(ROOT, 'models', 'default'));
  assert.ok(existsSync(path.join(packageRoot(), 'package.json')));
});
