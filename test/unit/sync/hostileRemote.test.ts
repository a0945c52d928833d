import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_LABEL_SCHEMA, serializeLabelSchema } from '../../../src/core/annotations/labelSchema';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import type { Remote } from '../../../src/core/sync/remote';
import { S3Remote } from '../../../src/core/sync/s3Remote';
import { MAX_SYNC_FILE_BYTES, SyncEngine } from '../../../src/core/sync/syncEngine';
import { cleanupScratch, exists, motoForFile, readSidecar, scratchDir, sidecar, sidecarPath, span, writeSidecar } from './helpers';

/**
 * A remote (or a workspace) prepared by someone hostile or careless (issue 12, part 4): keys that would
 * turn a file into a folder, files the store refuses, S3 folder markers, symbolic links, names that are
 * not notes, huge objects, temporary files left by a killed sync. Each is refused by name, nothing local
 * is lost, and the rest of the sync goes on.
 */
const moto = motoForFile();
const engine = new SyncEngine();
after(cleanupScratch);

let prefixCount = 0;
/** The remote's raw writer: bypasses every check a Sidelight client makes, as another tool would. */
interface RawRemote {
  remote: Remote;
  putRaw(key: string, body: string | Buffer): Promise<void>;
}

const kinds: [string, () => Promise<RawRemote>][] = [
  [
    'file',
    async () => {
      const root = await scratchDir('sidelight-hostile-remote-');
      return {
        remote: new FileRemote(root),
        async putRaw(key, body) {
          const file = path.join(root, ...key.split('/'));
          await fs.mkdir(path.dirname(file), { recursive: true });
          await fs.writeFile(file, body);
        },
      };
    },
  ],
  [
    's3',
    async () => {
      const prefix = `hostile-${++prefixCount}-${Date.now()}`;
      return {
        remote: new S3Remote(`s3://${moto.bucket}/${prefix}`, { endpoint: moto.endpoint }),
        async putRaw(key, body) {
          await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/${key}`, Body: body }));
        },
      };
    },
  ],
];

const car = (id: string) => JSON.stringify(sidecar([span(id, 0, 4)]), null, 2);

for (const [kind, make] of kinds) {
  describe(`hostile input with a ${kind} remote`, () => {
    it('a key below another key is refused by name: the sidecar stays a file, status does not fail', async (t) => {
      // A folder cannot hold a file and a folder of the same name: only an object store can.
      if (kind === 'file') return t.skip('a folder remote cannot hold both keys');
      const { remote, putRaw } = await make();
      await putRaw('annotations/notes/a.txt.json', car('kept'));
      await putRaw('annotations/notes/a.txt.json/x.json', car('nested'));
      const ws = await scratchDir('sidelight-ws-');
      const status = await engine.status({ workspaceDir: ws, remote });
      assert.ok(status.errors.some((e) => e.includes('"annotations/notes/a.txt.json/x.json"') && e.includes('is a file')), status.errors.join('\n'));
      const r = await engine.sync({ workspaceDir: ws, remote });
      assert.ok(r.errors.some((e) => e.includes('"annotations/notes/a.txt.json/x.json"')), r.errors.join('\n'));
      assert.equal(r.pulled, 1);
      assert.ok((await fs.stat(sidecarPath(ws, 'notes/a.txt'))).isFile(), 'the sidecar is a file, not a folder');
      assert.deepEqual((await readSidecar(ws, 'notes/a.txt'))!.spans.map((s) => s.id), ['kept']);
      // And a second sync (and status) still work.
      assert.ok((await engine.status({ workspaceDir: ws, remote })).errors.length >= 1);
      remote.close();
    });

    it('files the store refuses are neither pushed nor taken; the rest syncs', async () => {
      const { remote, putRaw } = await make();
      const a = await scratchDir('sidelight-ws-');
      const b = await scratchDir('sidelight-ws-');
      await writeSidecar(a, 'notes/done.txt', sidecar([span('d1', 0, 4)]));
      await writeSidecar(a, 'notes/rev.txt', sidecar([span('r1', 0, 4)]));
      await writeSidecar(a, 'notes/ok.txt', sidecar([span('o1', 0, 4)]));
      await fs.writeFile(path.join(a, '.sidelight', 'labels.json'), serializeLabelSchema(DEFAULT_LABEL_SCHEMA));
      assert.deepEqual((await engine.sync({ workspaceDir: a, remote })).errors, []);
      assert.deepEqual((await engine.sync({ workspaceDir: b, remote })).errors, []);

      // A breaks three files (each one parses as JSON) and changes a fourth properly.
      await writeSidecar(a, 'notes/done.txt', sidecar([span('d1', 0, 4)], { done: 'yes' }));
      await writeSidecar(a, 'notes/rev.txt', sidecar([span('r1', 9, 4)]));
      await fs.writeFile(path.join(a, '.sidelight', 'labels.json'), JSON.stringify({ version: 1, labels: [{ name: 'ADE' }] }));
      await writeSidecar(a, 'notes/ok.txt', sidecar([span('o1', 0, 4), span('o2', 5, 8)]));
      const pushed = await engine.sync({ workspaceDir: a, remote });
      assert.equal(pushed.pushed, 1, 'only the valid change is pushed');
      assert.equal(pushed.errors.length, 3, pushed.errors.join('\n'));
      assert.ok(pushed.errors.some((e) => /notes\/done\.txt\.json.*"done" must be true or false.*not pushed/.test(e)), pushed.errors.join('\n'));
      assert.ok(pushed.errors.some((e) => /notes\/rev\.txt\.json.*reversed.*not pushed/.test(e)), pushed.errors.join('\n'));
      assert.ok(pushed.errors.some((e) => /labels\.json.*not pushed/.test(e)), pushed.errors.join('\n'));
      const pulled = await engine.sync({ workspaceDir: b, remote });
      assert.deepEqual(pulled.errors, []);
      assert.equal((await readSidecar(b, 'notes/done.txt'))!.done, false, "B's valid file is not replaced");
      assert.deepEqual((await readSidecar(b, 'notes/ok.txt'))!.spans.map((s) => s.id), ['o1', 'o2']);
      assert.equal(await fs.readFile(path.join(b, '.sidelight', 'labels.json'), 'utf8'), serializeLabelSchema(DEFAULT_LABEL_SCHEMA));

      // Invalid files written straight to the remote (another tool, an older client) are not taken.
      await putRaw('annotations/notes/ok.txt.json', JSON.stringify(sidecar([span('o1', 0, 4)], { done: 'yes' })));
      await putRaw('labels.json', '{"version": 1, "labels": "ADE"}');
      const taken = await engine.sync({ workspaceDir: b, remote });
      assert.equal(taken.pulled, 0);
      assert.ok(taken.errors.some((e) => /annotations\/notes\/ok\.txt\.json.*"done" must be true or false.*not taken from the remote/.test(e)), taken.errors.join('\n'));
      assert.ok(taken.errors.some((e) => /labels\.json.*not taken from the remote/.test(e)), taken.errors.join('\n'));
      assert.deepEqual((await readSidecar(b, 'notes/ok.txt'))!.spans.map((s) => s.id), ['o1', 'o2'], 'the local file is unchanged');
      remote.close();
    });

    it('a symbolic link in the workspace is never written through, and is named', async () => {
      const { remote, putRaw } = await make();
      const ws = await scratchDir('sidelight-ws-');
      const outside = await scratchDir('sidelight-outside-');
      await fs.symlink(outside, path.join(ws, 'data'));
      await putRaw('notes/data/x.txt', 'planted');
      await putRaw('notes/ok.txt', 'a note');
      // A sidecar that is a link to a file elsewhere.
      const elsewhere = path.join(outside, 'real.json');
      await fs.writeFile(elsewhere, car('linked'));
      await fs.mkdir(path.dirname(sidecarPath(ws, 'notes/l.txt')), { recursive: true });
      await fs.symlink(elsewhere, sidecarPath(ws, 'notes/l.txt'));
      await putRaw('annotations/notes/l.txt.json', car('remote'));
      const r = await engine.sync({ workspaceDir: ws, remote });
      assert.ok(!(await exists(path.join(outside, 'x.txt'))), 'nothing written outside the workspace');
      assert.equal(await fs.readFile(path.join(ws, 'ok.txt'), 'utf8'), 'a note', 'remote notes/<path> lands at <path>');
      assert.ok(r.errors.some((e) => e.includes('data is a symbolic link')), r.errors.join('\n'));
      assert.ok(r.errors.some((e) => e.includes('.sidelight/annotations/notes/l.txt.json is a symbolic link')), r.errors.join('\n'));
      assert.equal(await fs.readFile(elsewhere, 'utf8'), car('linked'), 'the link target is untouched');
      remote.close();
    });

    it('a linked .sidelight/annotations is not followed: nothing pushed from it or pulled into it', async () => {
      const { remote, putRaw } = await make();
      const ws = await scratchDir('sidelight-ws-');
      const outside = await scratchDir('sidelight-outside-');
      await writeSidecar(outside, 'notes/secret.txt', sidecar([span('secret', 0, 4)]));
      await fs.mkdir(path.join(ws, '.sidelight'), { recursive: true });
      await fs.symlink(path.join(outside, '.sidelight', 'annotations'), path.join(ws, '.sidelight', 'annotations'));
      await putRaw('annotations/notes/b.txt.json', car('remote'));
      const r = await engine.sync({ workspaceDir: ws, remote });
      assert.equal(r.pushed + r.pulled, 0);
      assert.ok(r.errors.some((e) => e.includes('.sidelight/annotations is a symbolic link')), r.errors.join('\n'));
      assert.ok(!(await exists(sidecarPath(outside, 'notes/b.txt'))), 'nothing pulled through the link');
      assert.deepEqual((await remote.list('annotations/')).map((e) => e.key), ['annotations/notes/b.txt.json']);
      remote.close();
    });

    it('remote "notes" that the note filter does not admit are refused by name', async () => {
      const { remote, putRaw } = await make();
      const ws = await scratchDir('sidelight-ws-');
      await putRaw('notes/Makefile', 'all:\n\trm -rf /\n');
      await putRaw('notes/report\u202Etxt.exe', 'x');
      await putRaw('notes/ok.txt', 'a note');
      await putRaw('notes/ok.md', 'a markdown note');
      const r = await engine.sync({ workspaceDir: ws, remote });
      assert.deepEqual((await fs.readdir(ws)).filter((f) => !f.startsWith('.')).sort(), ['ok.md', 'ok.txt']);
      assert.ok(r.errors.some((e) => e.includes('"notes/Makefile": not a note')), r.errors.join('\n'));
      assert.ok(r.errors.some((e) => e.includes('bidirectional')), r.errors.join('\n'));
      const custom = await engine.sync({ workspaceDir: await scratchDir('sidelight-ws-'), remote, isNote: (rel) => rel.endsWith('.txt') });
      assert.ok(custom.errors.some((e) => e.includes('"notes/ok.md": not a note')), custom.errors.join('\n'));
      remote.close();
    });

    it(`a remote file over ${MAX_SYNC_FILE_BYTES / 1024 / 1024} MiB is refused without being read`, async () => {
      const { remote, putRaw } = await make();
      const ws = await scratchDir('sidelight-ws-');
      await putRaw('notes/huge.txt', Buffer.alloc(MAX_SYNC_FILE_BYTES + 1, 0x61));
      await putRaw('notes/ok.txt', 'a note');
      const r = await engine.sync({ workspaceDir: ws, remote });
      assert.ok(r.errors.some((e) => e.includes('"notes/huge.txt"') && e.includes('MiB')), r.errors.join('\n'));
      assert.ok(!(await exists(path.join(ws, 'huge.txt'))));
      assert.ok(await exists(path.join(ws, 'ok.txt')));
      remote.close();
    });
  });
}

describe('S3 specifics', () => {
  it('zero-byte folder markers (keys ending in "/") are ignored by sync and status', async () => {
    const prefix = `markers-${Date.now()}`;
    const remote = new S3Remote(`s3://${moto.bucket}/${prefix}`, { endpoint: moto.endpoint });
    for (const key of ['notes/', 'annotations/', 'annotations/notes/']) {
      await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: `${prefix}/${key}`, Body: '' }));
    }
    const ws = await scratchDir('sidelight-ws-');
    await writeSidecar(ws, 'notes/a.txt', sidecar([span('a1', 0, 4)]));
    const status = await engine.status({ workspaceDir: ws, remote });
    assert.deepEqual(status.errors, []);
    const r = await engine.sync({ workspaceDir: ws, remote });
    assert.deepEqual([r.pushed, r.errors], [1, []]);
    remote.close();
  });
});

describe('folder remote specifics', () => {
  it("a remote whose annotations/ is a symbolic link receives nothing outside its root", async () => {
    const root = await scratchDir('sidelight-remote-');
    const outside = await scratchDir('sidelight-outside-');
    await fs.symlink(outside, path.join(root, 'annotations'));
    const remote = new FileRemote(root);
    const ws = await scratchDir('sidelight-ws-');
    await writeSidecar(ws, 'notes/a.txt', sidecar([span('a1', 0, 4)]));
    // The listing of annotations/ is refused, so the sync stops before it could plan anything on it.
    await assert.rejects(engine.sync({ workspaceDir: ws, remote }), /annotations is a symbolic link/);
    assert.deepEqual(await fs.readdir(outside), [], 'nothing written through the link');
    await assert.rejects(remote.put('annotations/notes/x.txt.json', Buffer.from('{}')), /annotations is a symbolic link/);
    remote.close();
  });

  it('temporary files left by a killed sync are removed once stale; a fresh one is left alone', async () => {
    const remote = new FileRemote(await scratchDir('sidelight-remote-'));
    const ws = await scratchDir('sidelight-ws-');
    await writeSidecar(ws, 'notes/a.txt', sidecar([span('a1', 0, 4)]));
    const dir = path.dirname(sidecarPath(ws, 'notes/a.txt'));
    const stale = path.join(dir, '.a.txt.json.0123456789ab.tmp');
    const fresh = path.join(dir, '.a.txt.json.ba9876543210.tmp');
    const staleTop = path.join(ws, '.sidelight', '.labels.json.00112233aabb.tmp');
    for (const f of [stale, fresh, staleTop]) await fs.writeFile(f, 'partial');
    const old = new Date(Date.now() - 3600_000);
    for (const f of [stale, staleTop]) await fs.utimes(f, old, old);
    const r = await engine.sync({ workspaceDir: ws, remote });
    assert.deepEqual(r.errors, []);
    assert.ok(!(await exists(stale)) && !(await exists(staleTop)), 'stale temporary files removed');
    assert.ok(await exists(fresh), 'a temporary file being written right now is left alone');
    remote.close();
  });
});

describe('folder remote temporary files', () => {
  it('a temporary object file left by a killed writer is removed by a listing once stale', async () => {
    const root = await scratchDir('sidelight-remote-');
    const remote = new FileRemote(root);
    await remote.put('annotations/notes/a.txt.json', Buffer.from(car('a')));
    const dir = path.join(root, 'annotations', 'notes');
    const stale = path.join(dir, '.a.txt.json.0123456789ab.sidelight-tmp');
    const fresh = path.join(dir, '.a.txt.json.ba9876543210.sidelight-tmp');
    for (const f of [stale, fresh]) await fs.writeFile(f, 'partial');
    const old = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(stale, old, old);
    assert.deepEqual((await remote.list('annotations/')).map((e) => e.key), ['annotations/notes/a.txt.json']);
    assert.ok(!(await exists(stale)), 'stale temporary file removed');
    assert.ok(await exists(fresh), 'a write in progress is left alone');
    remote.close();
  });
});
