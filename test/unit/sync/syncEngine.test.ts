import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_LABEL_SCHEMA, serializeLabelSchema } from '../../../src/core/annotations/labelSchema';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { PreconditionFailedError, SyncCancelledError, type Remote } from '../../../src/core/sync/remote';
import { S3Remote } from '../../../src/core/sync/s3Remote';
import { SyncEngine, type SyncResult } from '../../../src/core/sync/syncEngine';
import { exists, motoForFile, readSidecar, rmrf, sidecar, sidecarPath, span, tempDir, writeSidecar } from './helpers';

const moto = motoForFile();
const cleanup: string[] = [];
const engine = new SyncEngine();

after(() => rmrf(...cleanup));

async function ws(): Promise<string> {
  const d = await tempDir('sidelight-ws-');
  cleanup.push(d);
  return d;
}

const sync = (workspaceDir: string, remote: Remote) => engine.sync({ workspaceDir, remote });

function kinds(): [string, () => Promise<Remote>][] {
  return [
    ['file', async () => new FileRemote(await ws())],
    ['s3', async () => new S3Remote(`s3://${moto.bucket}/team`, { endpoint: moto.endpoint })],
  ];
}

for (const [kind, makeRemote] of kinds()) {
  describe(`sync over a ${kind} remote`, () => {
    let remote: Remote;
    beforeEach(async () => {
      await moto.reset();
      remote = await makeRemote();
    });

    it('pushes, then another workspace pulls byte-exact; a second sync moves nothing', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'notes/a.txt', sidecar([span('s1', 0, 4)]));
      await writeSidecar(a, 'notes/sub dir/ü.txt', sidecar([span('s2', 1, 3)]));
      await fs.writeFile(path.join(a, '.sidelight', 'labels.json'), serializeLabelSchema(DEFAULT_LABEL_SCHEMA));
      const r1 = await sync(a, remote);
      assert.deepEqual([r1.pushed, r1.pulled, r1.errors], [3, 0, []]);
      const r2 = await sync(b, remote);
      assert.deepEqual([r2.pushed, r2.pulled, r2.errors], [0, 3, []]);
      for (const f of ['.sidelight/annotations/notes/a.txt.json', '.sidelight/annotations/notes/sub dir/ü.txt.json', '.sidelight/labels.json']) {
        assert.deepEqual(await fs.readFile(path.join(b, f)), await fs.readFile(path.join(a, f)));
      }
      const r3 = await sync(a, remote);
      const r4 = await sync(b, remote);
      for (const r of [r3, r4]) assert.deepEqual([r.pushed, r.pulled, r.conflicts, r.deleted, r.unchanged], [0, 0, 0, 0, 3]);
      remote.close();
    });

    it('two workspaces labelling the same note at once: both labels survive everywhere', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'n.txt', sidecar([span('base', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      const fromA = span('fromA', 5, 9);
      const fromB = span('fromB', 12, 20, { label: 'DRUG' });
      await writeSidecar(a, 'n.txt', sidecar([span('base', 0, 2), fromA]));
      await writeSidecar(b, 'n.txt', sidecar([span('base', 0, 2), fromB]));
      const ra = await sync(a, remote);
      const rb = await sync(b, remote); // both changed: merge
      assert.equal(ra.pushed, 1);
      assert.equal(rb.conflicts, 0);
      await sync(a, remote);
      const ids = (await readSidecar(a, 'n.txt'))!.spans.map((s) => s.id);
      assert.deepEqual(ids, ['base', 'fromA', 'fromB']);
      assert.deepEqual(await fs.readFile(sidecarPath(a, 'n.txt')), await fs.readFile(sidecarPath(b, 'n.txt')));
    });

    it('the same span edited on both sides: a conflict, both versions kept on both sides', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2, { label: 'DRUG' })]));
      await writeSidecar(b, 'n.txt', sidecar([span('s', 0, 3)]));
      await sync(a, remote);
      const rb = await sync(b, remote);
      assert.equal(rb.conflicts, 1);
      assert.ok(rb.events.some((e) => e.kind === 'merge' && e.event.kind === 'conflict'));
      const ra = await sync(a, remote);
      assert.equal(ra.pulled, 1);
      for (const w of [a, b]) {
        const spans = (await readSidecar(w, 'n.txt'))!.spans;
        assert.equal(spans.length, 2);
        assert.deepEqual(spans.map((s) => s.fragments).sort(), [[[0, 2]], [[0, 3]]].sort());
        assert.ok(spans.every((s) => typeof s.conflict === 'string' && (s.flags as string[]).includes('conflict')));
      }
    });

    it('a deletion travels as a tombstone; the other side deletes its unchanged copy', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'gone.txt', sidecar([span('s', 0, 2)]));
      await writeSidecar(a, 'kept.txt', sidecar([span('k', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      await fs.rm(sidecarPath(a, 'gone.txt'));
      const ra = await sync(a, remote);
      assert.equal(ra.deleted, 1);
      const tomb = await remote.get('annotations/gone.txt.json');
      assert.equal(JSON.parse(Buffer.from(tomb!.body).toString()).deleted, true);
      const rb = await sync(b, remote);
      assert.equal(rb.deleted, 1);
      assert.equal(await exists(sidecarPath(b, 'gone.txt')), false);
      assert.ok(await exists(sidecarPath(b, 'kept.txt')));
      // A third workspace never creates a file for a tombstone.
      const c = await ws();
      const rc = await sync(c, remote);
      assert.equal(await exists(sidecarPath(c, 'gone.txt')), false);
      assert.equal(rc.pulled, 1);
      // And nothing moves afterwards.
      const again = await sync(b, remote);
      assert.deepEqual([again.pushed, again.pulled, again.deleted], [0, 0, 0]);
    });

    it('a tombstone does not delete a copy edited since the last sync: it is kept and pushed again', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      await fs.rm(sidecarPath(a, 'n.txt'));
      await sync(a, remote);
      await writeSidecar(b, 'n.txt', sidecar([span('s', 0, 2), span('new', 4, 6)]));
      const rb = await sync(b, remote);
      assert.ok(rb.events.some((e) => e.kind === 'keptOverTombstone'));
      assert.equal((await readSidecar(b, 'n.txt'))!.spans.length, 2);
      const ra = await sync(a, remote);
      assert.equal(ra.pulled, 1);
      assert.equal((await readSidecar(a, 'n.txt'))!.spans.length, 2);
    });

    it('deleted here, edited there: the edited version comes back', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2, { status: 'rejected' })]));
      await sync(a, remote);
      await fs.rm(sidecarPath(b, 'n.txt'));
      const rb = await sync(b, remote);
      assert.equal(rb.pulled, 1);
      assert.equal((await readSidecar(b, 'n.txt'))!.spans[0].status, 'rejected');
    });

    it('labels.json: one-sided changes travel; both changed keeps local and writes labels.remote.json', async () => {
      const a = await ws();
      const b = await ws();
      const labels = (n: string) => JSON.stringify({ version: 1, labels: [{ name: n, color: '#ff0000', key: 'a', definition: n }] });
      const la = path.join(a, '.sidelight', 'labels.json');
      const lb = path.join(b, '.sidelight', 'labels.json');
      await fs.mkdir(path.dirname(la), { recursive: true });
      await fs.writeFile(la, labels('ADE'));
      await sync(a, remote);
      await sync(b, remote);
      assert.equal(await fs.readFile(lb, 'utf8'), labels('ADE'));
      await fs.writeFile(la, labels('A2'));
      await fs.writeFile(lb, labels('B2'));
      await sync(a, remote);
      const rb = await sync(b, remote);
      assert.equal(rb.conflicts, 1);
      assert.equal(await fs.readFile(lb, 'utf8'), labels('B2'));
      assert.equal(await fs.readFile(path.join(b, '.sidelight', 'labels.remote.json'), 'utf8'), labels('A2'));
      // While the copy exists, ours is not pushed; deleting it (resolved) pushes.
      const again = await sync(b, remote);
      assert.deepEqual([again.pushed, again.conflicts], [0, 1]);
      await fs.rm(path.join(b, '.sidelight', 'labels.remote.json'));
      const resolved = await sync(b, remote);
      assert.equal(resolved.pushed, 1);
      await sync(a, remote);
      assert.equal(await fs.readFile(la, 'utf8'), labels('B2'));
    });

    it('notes are pulled one way and a note changed here is never overwritten', async () => {
      const a = await ws();
      await remote.put('notes/notes/a.txt', Buffer.from('Patient took aspirin.\r\n'));
      await remote.put('notes/notes/b.txt', Buffer.from('remote b'));
      await remote.put('notes/.sidelight/config.json', Buffer.from('{"remote":"file:///evil"}'));
      await fs.mkdir(path.join(a, 'notes'), { recursive: true });
      await fs.writeFile(path.join(a, 'notes', 'b.txt'), 'local b');
      const r = await sync(a, remote);
      assert.deepEqual(await fs.readFile(path.join(a, 'notes', 'a.txt')), Buffer.from('Patient took aspirin.\r\n'));
      assert.equal(await fs.readFile(path.join(a, 'notes', 'b.txt'), 'utf8'), 'local b');
      assert.ok(r.events.some((e) => e.kind === 'noteDiffers' && e.file === 'notes/b.txt'));
      assert.equal(await exists(path.join(a, '.sidelight', 'config.json')), false);
      assert.ok(r.errors.some((m) => m.includes('notes/.sidelight/config.json')));
      // An updated remote note replaces a local one that is as we pulled it.
      await remote.put('notes/notes/a.txt', Buffer.from('v2'));
      await sync(a, remote);
      assert.equal(await fs.readFile(path.join(a, 'notes', 'a.txt'), 'utf8'), 'v2');
    });

    it('a malformed local sidecar is reported by name and the others still sync', async () => {
      const a = await ws();
      await writeSidecar(a, 'good.txt', sidecar([span('s', 0, 2)]));
      await fs.writeFile(sidecarPath(a, 'bad.txt'), '{"spans": [');
      const r = await sync(a, remote);
      assert.equal(r.pushed, 1);
      assert.equal(r.errors.length, 1);
      assert.match(r.errors[0], /\.sidelight\/annotations\/bad\.txt\.json.*not valid JSON/);
      assert.equal(await remote.head('annotations/bad.txt.json'), undefined);
    });

    it('status() says what a sync would move, without moving it', async () => {
      const a = await ws();
      const b = await ws();
      await writeSidecar(a, 'one.txt', sidecar([span('s', 0, 2)]));
      await writeSidecar(a, 'two.txt', sidecar([span('t', 0, 2)]));
      await sync(a, remote);
      await sync(b, remote);
      await writeSidecar(a, 'three.txt', sidecar([]));
      await fs.rm(sidecarPath(a, 'two.txt'));
      await writeSidecar(b, 'one.txt', sidecar([span('s', 0, 2), span('u', 3, 4)]));
      await sync(b, remote);
      await writeSidecar(a, 'one.txt', sidecar([span('v', 5, 6)]));
      const st = await engine.status({ workspaceDir: a, remote });
      assert.deepEqual(st.toPush, ['annotations/three.txt.json']);
      assert.deepEqual(st.toDelete, ['annotations/two.txt.json']);
      assert.deepEqual(st.toMerge, ['annotations/one.txt.json']);
      assert.deepEqual(st.toPull, []);
      assert.equal(await remote.head('annotations/three.txt.json'), undefined);
    });

    it('a fresh clone holding the remote\'s files byte for byte has nothing to push; a later edit is a push', async () => {
      const a = await ws();
      const clone = await ws();
      await writeSidecar(a, 'one.txt', sidecar([span('s', 0, 2)]));
      await fs.writeFile(path.join(a, '.sidelight', 'labels.json'), serializeLabelSchema(DEFAULT_LABEL_SCHEMA));
      await sync(a, remote);
      // What a git clone of the repository gives: the files, not the sync state.
      for (const f of ['.sidelight/labels.json', '.sidelight/annotations/one.txt.json']) {
        await fs.mkdir(path.dirname(path.join(clone, f)), { recursive: true });
        await fs.copyFile(path.join(a, f), path.join(clone, f));
      }
      await writeSidecar(clone, 'two.txt', sidecar([span('t', 0, 2)])); // differs: not on the remote
      const st = await engine.status({ workspaceDir: clone, remote });
      assert.deepEqual([st.toPush, st.toMerge, st.toPull], [['annotations/two.txt.json'], [], []]);
      const r = await sync(clone, remote);
      assert.deepEqual([r.pushed, r.pulled, r.unchanged, r.conflicts, r.errors], [1, 0, 2, 0, []]);
      const labels = path.join(clone, '.sidelight', 'labels.json');
      await fs.writeFile(labels, (await fs.readFile(labels, 'utf8')).replace('"ADE"', '"ADE" '));
      assert.deepEqual((await engine.status({ workspaceDir: clone, remote })).toPush, ['labels.json'], 'the adopted base makes the edit a plain push');
    });
  });
}

describe('sync specifics', () => {
  beforeEach(async () => {
    await moto.reset();
  });

  it('a sync with nothing to do makes three LISTs, one HEAD (the team\'s model pin) and no GET or PUT (counted on the wire)', async () => {
    const remote = new S3Remote(`s3://${moto.bucket}/team`, { endpoint: moto.endpoint });
    const commands: string[] = [];
    remote.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const a = await ws();
    for (let i = 0; i < 40; i++) await writeSidecar(a, `notes/n${i}.txt`, sidecar([span(`s${i}`, 0, i + 1)]));
    await sync(a, remote);
    commands.length = 0;
    const r = await sync(a, remote);
    assert.equal(r.unchanged, 40);
    const threeLists = ['ListObjectsV2Command', 'ListObjectsV2Command', 'ListObjectsV2Command', 'HeadObjectCommand'];
    assert.deepEqual(commands, threeLists);
    // A second workspace after its first pull: the same.
    const b = await ws();
    await sync(b, remote);
    commands.length = 0;
    await sync(b, remote);
    assert.deepEqual(commands, threeLists);
    remote.close();
  });

  it('a hostile remote key (annotations/../../x) is refused and nothing is written outside', async () => {
    const remote = new S3Remote(`s3://${moto.bucket}`, { endpoint: moto.endpoint });
    const parent = await ws();
    const a = path.join(parent, 'ws');
    await fs.mkdir(a);
    for (const key of ['annotations/../../x', 'annotations/..\\..\\y.json', 'annotations//abs.json']) {
      await moto.client.send(new PutObjectCommand({ Bucket: moto.bucket, Key: key, Body: '{"spans":[]}' }));
    }
    await remote.put('annotations/ok.txt.json', Buffer.from(JSON.stringify(sidecar([]))));
    const r = await sync(a, remote);
    assert.equal(r.pulled, 1);
    assert.equal(r.errors.length, 3);
    assert.ok(r.errors.every((m) => /refused remote key/.test(m)));
    assert.deepEqual((await fs.readdir(parent)).sort(), ['ws']);
    assert.equal(await exists(path.join(a, '.sidelight', 'x')), false);
    remote.close();
  });

  it('someone writes between our listing and our PUT (412): re-read, re-merge, both kept', async () => {
    const base = new FileRemote(await ws());
    const a = await ws();
    const b = await ws();
    await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2)]));
    await sync(a, base);
    await sync(b, base);
    await writeSidecar(b, 'n.txt', sidecar([span('s', 0, 2), span('fromB', 3, 4)]));
    await writeSidecar(a, 'n.txt', sidecar([span('s', 0, 2), span('fromA', 5, 6)]));
    // A remote that lets B sync just before A's first PUT goes through.
    let raced = false;
    const racing: Remote = Object.assign(Object.create(base) as Remote, {
      put: async (key: string, body: Uint8Array, opts?: { ifMatch?: string; ifNoneMatch?: true }) => {
        if (!raced) {
          raced = true;
          await sync(b, base);
        }
        return base.put(key, body, opts);
      },
    });
    const ra = await engine.sync({ workspaceDir: a, remote: racing });
    assert.ok(raced);
    assert.deepEqual(ra.errors, []);
    const ids = (await readSidecar(a, 'n.txt'))!.spans.map((s) => s.id);
    assert.deepEqual(ids, ['s', 'fromB', 'fromA']);
    await sync(b, base);
    assert.deepEqual((await readSidecar(b, 'n.txt'))!.spans.map((s) => s.id), ids);
    assert.ok(PreconditionFailedError);
  });

  it('cancellation stops the sync; a rerun converges', async () => {
    const remote = new S3Remote(`s3://${moto.bucket}`, { endpoint: moto.endpoint });
    const a = await ws();
    for (let i = 0; i < 30; i++) await writeSidecar(a, `n${i}.txt`, sidecar([span(`s${i}`, 0, 1)]));
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(
      engine.sync({
        workspaceDir: a,
        remote,
        signal: ac.signal,
        concurrency: 2,
        onProgress: (p) => {
          if (p.phase === 'files' && ++seen === 5) ac.abort();
        },
      }),
      SyncCancelledError,
    );
    const listed = await remote.list('annotations/');
    assert.ok(listed.length < 30, `cancelled after ${listed.length}`);
    const r: SyncResult = await sync(a, remote);
    assert.deepEqual(r.errors, []);
    assert.equal((await remote.list('annotations/')).length, 30);
    const again = await sync(a, remote);
    assert.equal(again.unchanged, 30);
    remote.close();
  });
});
