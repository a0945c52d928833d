import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors';
import { type AnnotationRelation, emptySidecar, parseSidecar, serializeSidecar, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { NoteCache, type NoteState } from '../../../src/core/annotations/store/noteCache';
import { readSidecarOfNote } from '../../../src/core/annotations/store/sidecarFile';
import { SidecarWriter } from '../../../src/core/annotations/store/sidecarWriter';
import { UndoHistory, type UndoEntry } from '../../../src/core/annotations/store/undoHistory';
import { keepingVersion, withLinks, withStatus } from '../../../src/core/annotations/store/relationEdits';
import { span, withTempDir } from './helpers';

const TEXT = 'Nausea after metformin.';

function entry(id: string): UndoEntry {
  return { before: new Map([[id, null]]), after: new Map([[id, span(TEXT, [[0, 6]])]]), headBefore: { done: false }, headAfter: { done: false } };
}

test('undo history: the oldest action drops past the limit; a new action ends what could be redone', () => {
  const history = new UndoHistory(2);
  const [a, b, c] = [entry('a'), entry('b'), entry('c')];
  history.record(a);
  history.record(b);
  history.record(c);
  assert.equal(history.take('undo'), c);
  assert.equal(history.take('undo'), b);
  assert.equal(history.take('undo'), undefined, 'a was dropped at the limit');
  assert.equal(history.take('redo'), b);
  history.record(entry('d'));
  assert.equal(history.take('redo'), undefined, 'c cannot be redone after a new action');
});

test('undo history: held spans follow edits; clear forgets everything', () => {
  const history = new UndoHistory(10);
  const e = entry('a');
  history.record(e);
  history.followEdits([{ offset: 0, deletedLength: 0, insertedText: 'Mild ' }]);
  assert.deepEqual(e.after.get('a')?.fragments, [[5, 11]]);
  assert.equal(e.before.get('a'), null);
  history.clear();
  assert.equal(history.take('undo'), undefined);
});

function stateOf(key: string): NoteState {
  return { sidecar: emptySidecar(key), version: 0, savedVersion: 0, textInSync: true, history: new UndoHistory(5), diskSha: undefined, diskSidecar: undefined, merges: 0 };
}

test('note cache: concurrent loads share one read; a failed read makes the note broken until forgotten', async () => {
  let reads = 0;
  let fail = true;
  const cache = new NoteCache(async (key) => {
    reads++;
    await new Promise((r) => setImmediate(r));
    if (fail) throw new InputError(`${key}.json`, 'broken');
    return stateOf(key);
  });
  cache.queueEdits('a.txt', { edits: [{ offset: 0, deletedLength: 0, insertedText: 'x' }] });
  const results = await Promise.allSettled([cache.loaded('a.txt'), cache.loaded('a.txt')]);
  assert.equal(reads, 1, 'one read for both callers');
  assert.ok(results.every((r) => r.status === 'rejected' && /a\.txt\.json: broken/.test(String(r.reason))));
  assert.equal(cache.hasQueuedEdits('a.txt'), false, 'edits queued for a note that failed to load are dropped');
  fail = false;
  await assert.rejects(cache.loaded('a.txt'), /broken/, 'broken: not read again');
  assert.equal(reads, 1);
  assert.deepEqual([...cache.errors().keys()], ['a.txt']);
  cache.forget('a.txt');
  assert.equal((await cache.loaded('a.txt')).sidecar.note, 'a.txt');
  assert.equal(reads, 2);
  assert.equal(cache.errors().size, 0);
});

test('note cache: a blocked note stays loaded and is reported until unblocked; markBroken drops the state', async () => {
  const cache = new NoteCache(async (key) => stateOf(key));
  const state = await cache.loaded('b.txt');
  cache.markBlocked('b.txt', new InputError('b.txt.json', 'malformed on disk'));
  assert.equal(cache.get('b.txt'), state);
  assert.match(cache.errors().get('b.txt')?.message ?? '', /malformed on disk/);
  cache.unblock('b.txt');
  assert.equal(cache.errors().size, 0);
  cache.markBroken('b.txt', new InputError('b.txt.json', 'now unreadable'));
  assert.equal(cache.get('b.txt'), undefined);
  await assert.rejects(cache.loaded('b.txt'), /now unreadable/);
});

test('sidecar file: absent is empty, malformed names the file, a linked annotations folder is refused', async () => {
  await withTempDir(async (ws) => {
    assert.deepEqual(await readSidecarOfNote(ws, 'n.txt'), {});
    const file = sidecarPathFor(ws, 'n.txt');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '{"schemaVersion": 1, "spans": [');
    await assert.rejects(readSidecarOfNote(ws, 'n.txt'), (e: unknown) => e instanceof InputError && e.file === file);
    await fs.writeFile(file, `\ufeff${serializeSidecar({ ...emptySidecar('n.txt'), done: true })}`);
    assert.equal((await readSidecarOfNote(ws, 'n.txt')).sidecar?.done, true, 'a byte order mark is skipped');
    await withTempDir(async (elsewhere) => {
      await fs.rm(path.join(ws, '.sidelight', 'annotations'), { recursive: true });
      await fs.symlink(elsewhere, path.join(ws, '.sidelight', 'annotations'));
      await assert.rejects(readSidecarOfNote(ws, 'n.txt'), (e: unknown) => e instanceof InputError && /symbolic link/.test(e.message));
    });
  });
});

test('sidecar writer: two saves with no time between them write once each, in order, the last state on disk', async () => {
  await withTempDir(async (ws) => {
    const cache = new NoteCache(async (key) => stateOf(key));
    const writer = new SidecarWriter(ws, cache, 10_000, { merged: () => undefined, stamp: () => '2025-01-01T00:00:00.000Z' });
    const state = await cache.loaded('n.txt');
    state.sidecar = { ...state.sidecar, spans: [span(TEXT, [[0, 6]])] };
    state.version++;
    const first = writer.save('n.txt');
    state.sidecar = { ...state.sidecar, done: true };
    state.version++;
    const second = writer.save('n.txt');
    await Promise.all([first, second]);
    const onDisk = parseSidecar(await fs.readFile(sidecarPathFor(ws, 'n.txt'), 'utf8'), 'n.txt.json');
    assert.equal(onDisk.done, true);
    assert.equal(onDisk.spans.length, 1);
    assert.equal(state.savedVersion, state.version);
    assert.equal(writer.inFlight('n.txt'), undefined);
  });
});

test('relation edits: links added once, statuses changed with who and when, a kept version loses its conflict and its other version', () => {
  const r = (id: string, extra: Partial<AnnotationRelation> = {}): AnnotationRelation => ({ id, type: 'caused_by', from: 'a', to: 'd', source: 'human', status: 'accepted', author: 'x', createdAt: 't0', updatedAt: 't0', ...extra });
  let made = 0;
  const { relations, made: links } = withLinks([r('r1')], [{ type: 'caused_by', from: 'a', to: 'd' }, { type: 'caused_by', from: 'b', to: 'd' }], (l) => r(`new${++made}`, { from: l.from }));
  assert.deepEqual(relations.map((x) => x.id), ['r1', 'new1']);
  assert.deepEqual(links.map((x) => x.id), ['r1', 'new1'], 'the existing link is returned, not made again');
  const { relations: rejected, changed } = withStatus(relations, ['r1', 'new1'], 'rejected', 'ben', 't1');
  assert.equal(changed, 2);
  assert.deepEqual(rejected.map((x) => [x.status, x.author, x.updatedAt]), [['rejected', 'ben', 't1'], ['rejected', 'ben', 't1']]);
  assert.equal(withStatus(rejected, ['r1'], 'rejected', 'ben', 't2').changed, 0);
  const pair = [r('v', { conflict: 'v~remote-1' }), r('v~remote-1', { conflict: 'v', status: 'rejected' }), r('other')];
  const kept = keepingVersion(pair, 'v~remote-1', 't3')!;
  assert.deepEqual(kept.removed, ['v']);
  assert.deepEqual(kept.relations.map((x) => [x.id, x.conflict, x.updatedAt]), [['v~remote-1', undefined, 't3'], ['other', undefined, 't0']]);
  assert.equal(keepingVersion(pair, 'nope', 't3'), undefined);
});
