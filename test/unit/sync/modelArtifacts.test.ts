import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { sha256Hex } from '../../../src/core/fs/sha256';
import {
  ModelVerificationError,
  ModelVersionExistsError,
  listModels,
  pullModel,
  pushModel,
} from '../../../src/core/sync/modelArtifacts';
import { readModelLock } from '../../../src/core/model/modelLock';
import type { Remote } from '../../../src/core/sync/remote';
import { S3Remote } from '../../../src/core/sync/s3Remote';
import { SyncEngine } from '../../../src/core/sync/syncEngine';
import { publishTeamPin, TEAM_PIN_KEY } from '../../../src/core/sync/teamModelPin';
import { cleanupBundles, cleanupScratch, exists, makeBundle, motoForFile, scratchDir } from './helpers';

const moto = motoForFile();
after(async () => {
  await cleanupScratch();
  await cleanupBundles();
});

const dir = () => scratchDir('sidelight-model-');

function kinds(): [string, () => Promise<Remote>][] {
  return [
    ['file', async () => new FileRemote(await dir())],
    ['s3', async () => new S3Remote(`s3://${moto.bucket}/team`, { endpoint: moto.endpoint, partSize: 5 * 1024 * 1024 })],
  ];
}

for (const [kind, makeRemote] of kinds()) {
  describe(`models over a ${kind} remote`, () => {
    let remote: Remote;
    beforeEach(async () => {
      await moto.reset();
      remote = await makeRemote();
    });
    after(() => remote?.close());

    it('push (multipart, progress) → pull verifies, switches and pins; byte-exact', async () => {
      const bundle = await makeBundle('ade', '1.0.0', 11 * 1024 * 1024 + 17);
      let last = { loaded: 0, total: 0 };
      const pushed = await pushModel(bundle, remote, { onProgress: (p) => (last = p) });
      assert.deepEqual(pushed.uploaded, ['config.json', 'model.onnx', 'tokenizer.json']);
      assert.equal(pushed.alreadyPublished, false);
      assert.equal(last.loaded, last.total);
      const latest = JSON.parse(Buffer.from((await remote.get('models/ade/LATEST'))!.body).toString());
      assert.deepEqual(latest, { version: '1.0.0', manifestSha256: pushed.manifestSha256 });

      const w = await dir();
      const pulled = await pullModel('ade', 'latest', w, remote);
      assert.equal(pulled.version, '1.0.0');
      for (const f of ['model.onnx', 'tokenizer.json', 'config.json', 'manifest.json']) {
        assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade/1.0.0', f)), await fs.readFile(path.join(bundle, f)));
      }
      assert.deepEqual(await readModelLock(w), { name: 'ade', version: '1.0.0', manifestSha256: pushed.manifestSha256 });
      assert.deepEqual(await fs.readdir(path.join(w, '.sidelight/models')), ['ade']); // no temp folder left
    });

    it('a version is immutable: same content is a no-op, different content is refused', async () => {
      const bundle = await makeBundle('ade', '1.0.0', 1000);
      await pushModel(bundle, remote);
      const again = await pushModel(bundle, remote);
      assert.equal(again.alreadyPublished, true);
      assert.deepEqual(again.uploaded, []);
      const other = await makeBundle('ade', '1.0.0', 1000, 'different');
      await assert.rejects(pushModel(other, remote), (e: unknown) => e instanceof ModelVersionExistsError && /ade@1\.0\.0 already exists/.test(e.message));
    });

    it('refuses to push a bundle whose files do not match its manifest', async () => {
      const bundle = await makeBundle('ade', '2.0.0', 1000);
      await fs.appendFile(path.join(bundle, 'model.onnx'), 'x');
      await assert.rejects(pushModel(bundle, remote), (e: unknown) => e instanceof ModelVerificationError && /model\.onnx/.test(e.message));
      assert.deepEqual(await remote.list('models/'), []);
    });

    it('a model file changed on disk after its manifest (same size) fails the push while it streams: no object, nothing published', async () => {
      const bundle = await makeBundle('ade', '3.0.0', 11 * 1024 * 1024 + 5); // multipart on S3 (5 MiB parts)
      const model = path.join(bundle, 'model.onnx');
      const bytes = await fs.readFile(model);
      bytes[bytes.length - 1] ^= 0xff; // the last byte: every part but the end has gone out already
      await fs.writeFile(model, bytes);
      await assert.rejects(pushModel(bundle, remote), (e: unknown) => e instanceof ModelVerificationError && e.message.includes(model) && /sha256 differs/.test(e.message));
      const keys = (await remote.list('models/')).map((e) => e.key);
      assert.ok(!keys.includes('models/ade/3.0.0/model.onnx'), `a wrong model.onnx was left on the remote: ${keys.join(', ')}`);
      assert.ok(!keys.includes('models/ade/3.0.0/manifest.json'));
      assert.deepEqual(await listModels(remote), []);
    });

    it('a tampered file on the remote is refused: nothing switched, the lock unchanged; a rerun after repair reuses verified files', async () => {
      const v1 = await makeBundle('ade', '1.0.0', 2000);
      const v2 = await makeBundle('ade', '2.0.0', 3000);
      await pushModel(v1, remote);
      await pushModel(v2, remote);
      const w = await dir();
      await pullModel('ade', '1.0.0', w, remote);
      const lockBefore = await fs.readFile(path.join(w, '.sidelight/model.lock'));
      const good = await fs.readFile(path.join(v2, 'model.onnx'));
      const evil = Buffer.from(good);
      evil[100] ^= 0xff; // same size, different bytes
      await remote.put('models/ade/2.0.0/model.onnx', evil);
      await assert.rejects(pullModel('ade', '2.0.0', w, remote), (e: unknown) => e instanceof ModelVerificationError && /model\.onnx/.test(e.message));
      assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/model.lock')), lockBefore);
      assert.equal(await exists(path.join(w, '.sidelight/models/ade/2.0.0')), false);
      // Repaired on the remote: the retry downloads only what was missing.
      await remote.put('models/ade/2.0.0/model.onnx', good);
      const r = await pullModel('ade', '2.0.0', w, remote);
      assert.deepEqual(r.downloaded, ['model.onnx']);
      assert.deepEqual(r.reused, ['config.json', 'tokenizer.json']);
      assert.equal((await readModelLock(w))?.version, '2.0.0');
      // Rolling back to the older version is a pin.
      await pullModel('ade', '1.0.0', w, remote);
      assert.equal((await readModelLock(w))?.version, '1.0.0');
    });

    it('a manifest that does not match LATEST, or names hostile files, is refused', async () => {
      const bundle = await makeBundle('ade', '1.0.0', 100);
      await pushModel(bundle, remote);
      await remote.put('models/ade/LATEST', Buffer.from(JSON.stringify({ version: '1.0.0', manifestSha256: 'f'.repeat(64) })));
      const w = await dir();
      await assert.rejects(pullModel('ade', 'latest', w, remote), ModelVerificationError);
      const hostile = { name: 'bad', version: '1', files: { '../../evil.sh': { sha256: 'a'.repeat(64), size: 1 } } };
      await remote.put('models/bad/1/manifest.json', Buffer.from(JSON.stringify(hostile)));
      await assert.rejects(pullModel('bad', '1', w, remote), /refused remote key/);
      await assert.rejects(pullModel('../x', '1', w, remote), /model name/);
      assert.equal(await exists(path.join(w, '.sidelight/model.lock')), false);
    });

    it('lists models with their versions (natural order) and LATEST', async () => {
      for (const v of ['1.2.0', '1.10.0', '1.9.1']) await pushModel(await makeBundle('ade', v, 50), remote);
      await pushModel(await makeBundle('drug', '0.1', 50), remote);
      const list = await listModels(remote);
      assert.deepEqual(list.map((m) => [m.name, m.versions, m.latest?.version]), [
        ['ade', ['1.2.0', '1.9.1', '1.10.0'], '1.9.1'],
        ['drug', ['0.1'], '0.1'],
      ]);
    });

    it('sync fetches the pinned model when its folder is missing', async () => {
      const bundle = await makeBundle('ade', '3.0.0', 5000);
      const pushed = await pushModel(bundle, remote);
      const w = await dir();
      await fs.mkdir(path.join(w, '.sidelight'), { recursive: true });
      await fs.writeFile(path.join(w, '.sidelight/model.lock'), JSON.stringify({ name: 'ade', version: '3.0.0', manifestSha256: pushed.manifestSha256 }));
      const r = await new SyncEngine().sync({ workspaceDir: w, remote });
      assert.equal(r.models, 1);
      assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade/3.0.0/model.onnx')), await fs.readFile(path.join(bundle, 'model.onnx')));
      const again = await new SyncEngine().sync({ workspaceDir: w, remote });
      assert.equal(again.models, 0);
    });
  });
}

describe('models on S3 specifics', () => {
  it('an interrupted push (files there, no manifest) is completed by the next push without re-uploading', async () => {
    await moto.reset();
    const remote = new S3Remote(`s3://${moto.bucket}`, { endpoint: moto.endpoint });
    try {
      const bundle = await makeBundle('ade', '1.0.0', 4000);
      const manifest = JSON.parse(await fs.readFile(path.join(bundle, 'manifest.json'), 'utf8'));
      // As if a push died after the first file.
      await remote.putFile('models/ade/1.0.0/model.onnx', path.join(bundle, 'model.onnx'), { sha256: manifest.files['model.onnx'].sha256 });
      assert.deepEqual(await listModels(remote), []); // not published without a manifest
      // A stray object with the right size but no sha256 metadata is not trusted.
      await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: 'models/ade/1.0.0/config.json', Body: Buffer.alloc(manifest.files['config.json'].size) }));
      const r = await pushModel(bundle, remote);
      assert.deepEqual(r.skipped, ['model.onnx']);
      assert.deepEqual(r.uploaded, ['config.json', 'tokenizer.json']);
      const w = await dir();
      await pullModel('ade', 'latest', w, remote);
      assert.deepEqual(await fs.readFile(path.join(w, '.sidelight/models/ade/1.0.0/config.json')), await fs.readFile(path.join(bundle, 'config.json')));
    } finally {
      remote.close();
    }
  });
});

describe('an installed version and the lock', () => {
  it('a rewritten version is refused by a pull, but taken by sync when model.lock (from git) names its manifest', async () => {
    const root = await dir();
    const remote = new FileRemote(root);
    const original = await makeBundle('ade', '5.0.0', 512, 'original');
    await pushModel(original, remote);
    const ws = await dir();
    await pullModel('ade', '5.0.0', ws, remote);
    // The version is rewritten on the remote (files and manifest, consistently).
    const rewritten = await makeBundle('ade', '5.0.0', 512, 'rewritten');
    for (const f of ['model.onnx', 'tokenizer.json', 'config.json', 'manifest.json']) await fs.copyFile(path.join(rewritten, f), path.join(root, 'models', 'ade', '5.0.0', f));
    await assert.rejects(pullModel('ade', '5.0.0', ws, remote), /is pinned .* a published version was rewritten/);
    await fs.rm(path.join(ws, '.sidelight', 'model.lock'));
    await assert.rejects(pullModel('ade', '5.0.0', ws, remote), /is installed .* a published version was rewritten/);
    // A teammate re-pinned the new manifest on purpose and committed model.lock: sync follows the lock.
    const manifestSha256 = sha256Hex(await fs.readFile(path.join(rewritten, 'manifest.json')));
    await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), JSON.stringify({ name: 'ade', version: '5.0.0', manifestSha256 }));
    const r = await new SyncEngine().sync({ workspaceDir: ws, remote });
    assert.deepEqual([r.models, r.errors], [1, []]);
    assert.deepEqual(await fs.readFile(path.join(ws, '.sidelight', 'models', 'ade', '5.0.0', 'tokenizer.json')), await fs.readFile(path.join(rewritten, 'tokenizer.json')));
    remote.close();
  });
});

for (const [kind, makeRemote] of kinds()) {
  describe(`the team's model over a ${kind} remote`, () => {
    it('a pin published by one workspace is adopted by the other on its next sync (model fetched), once per change', async () => {
      await moto.reset();
      const remote = await makeRemote();
      const bundle = await makeBundle('team', '2.0.0', 1024);
      await pushModel(bundle, remote);
      const manifestSha256 = sha256Hex(await fs.readFile(path.join(bundle, 'manifest.json')));
      const mine = await dir();
      const theirs = await dir();
      // Before any pin: a sync adopts nothing.
      let r = await new SyncEngine().sync({ workspaceDir: theirs, remote });
      assert.deepEqual(r.events.filter((e) => e.kind === 'modelPinned'), []);
      await publishTeamPin(remote, { name: 'team', version: '2.0.0', manifestSha256 });
      r = await new SyncEngine().sync({ workspaceDir: theirs, remote });
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.events.filter((e) => e.kind === 'modelPinned' || e.kind === 'modelPulled').map((e) => e.kind), ['modelPinned', 'modelPulled']);
      assert.deepEqual(await readModelLock(theirs), { name: 'team', version: '2.0.0', manifestSha256 });
      assert.ok(await exists(path.join(theirs, '.sidelight', 'models', 'team', '2.0.0', 'model.onnx')));
      // The teammate then chooses another model here: the unchanged team pin does not override it.
      await fs.writeFile(path.join(theirs, '.sidelight', 'model.lock'), JSON.stringify({ name: 'mine', version: '1', manifestSha256: 'a'.repeat(64) }));
      await new SyncEngine().sync({ workspaceDir: theirs, remote, fetchPinnedModel: true }).catch(() => undefined);
      assert.equal((await readModelLock(theirs))?.name, 'mine');
      // A workspace that never synced adopts it too.
      r = await new SyncEngine().sync({ workspaceDir: mine, remote });
      assert.equal((await readModelLock(mine))?.version, '2.0.0');
      remote.close();
    });

    it('a malformed team pin is an error naming it, and the local lock stays', async () => {
      await moto.reset();
      const remote = await makeRemote();
      const ws = await dir();
      await remote.put(TEAM_PIN_KEY, new TextEncoder().encode('{"name": "../../etc", "version": "1", "manifestSha256": "x"}'));
      const before = { name: 'local', version: '1', manifestSha256: 'b'.repeat(64) };
      await fs.mkdir(path.join(ws, '.sidelight'), { recursive: true });
      await fs.writeFile(path.join(ws, '.sidelight', 'model.lock'), JSON.stringify(before));
      const r = await new SyncEngine().sync({ workspaceDir: ws, remote, fetchPinnedModel: true });
      assert.ok(r.errors.some((e) => e.startsWith('model.lock: ') && e.includes(`${remote.url}/model.lock`) && /name/.test(e)), r.errors.join('\n'));
      assert.deepEqual(await readModelLock(ws), before);
      remote.close();
    });
  });
}
