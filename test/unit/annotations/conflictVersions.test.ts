import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { keepVersion, removeVersions, versionsOf } from '../../../src/core/annotations/conflictVersions';
import type { AnnotationSpan } from '../../../src/core/annotations/sidecar';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { ConflictScanner } from '../../../src/core/sync/openConflicts';
import { SyncEngine } from '../../../src/core/sync/syncEngine';
import { cleanupScratch, scratchDir } from '../sync/helpers';
import { span } from './helpers';

after(cleanupScratch);

const TEXT = 'Rash after amoxicillin; nausea on metformin.\n';

/** A span and the copy a sync conflict made of the other side's version, each naming the other. */
function conflictPair(): [AnnotationSpan, AnnotationSpan] {
  const local = span(TEXT, [[0, 4]], 'ADE');
  const copy = { ...span(TEXT, [[0, 4]], 'DRUG'), id: `${local.id}~remote-1234abcd` };
  return [
    { ...local, flags: ['conflict'], conflict: copy.id },
    { ...copy, flags: ['conflict'], conflict: local.id },
  ];
}

function apply(spans: AnnotationSpan[], changes: [string, AnnotationSpan | null][]): AnnotationSpan[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  for (const [id, s] of changes) {
    if (s) byId.set(id, s);
    else byId.delete(id);
  }
  return [...byId.values()];
}

const flagged = (spans: AnnotationSpan[]) => spans.filter((s) => s.flags.includes('conflict') || s.conflict !== undefined);

test('keeping one version of a conflict removes the other and clears its flag and field', () => {
  const [local, copy] = conflictPair();
  const other = span(TEXT, [[11, 22]], 'DRUG');
  const after = apply([local, copy, other], keepVersion([local, copy, other], copy.id));
  assert.deepEqual(after.map((s) => s.id).sort(), [copy.id, other.id].sort());
  assert.deepEqual(flagged(after), []);
  assert.equal(after.find((s) => s.id === copy.id)!.label, 'DRUG');
});

test('removing one version of a conflict resolves it: the version left is no longer flagged', () => {
  const [local, copy] = conflictPair();
  const after = apply([local, copy], removeVersions([local, copy], [copy.id]));
  assert.deepEqual(after.map((s) => s.id), [local.id]);
  assert.deepEqual(after[0].flags, []);
  assert.equal(after[0].conflict, undefined);
});

test('a span merged in conflict twice has two copies: keeping one removes both others; removing one leaves a conflict', () => {
  const [local, copyA] = conflictPair();
  const copyB = { ...span(TEXT, [[0, 4]], 'ADE', { status: 'rejected' }), id: `${local.id}~remote-bbbbbbbb`, flags: ['conflict' as const], conflict: local.id };
  const spans = [{ ...local, conflict: copyB.id }, copyA, copyB];
  assert.deepEqual(versionsOf(spans, copyA.id).map((s) => s.id).sort(), [local.id, copyA.id, copyB.id].sort());
  assert.deepEqual(apply(spans, keepVersion(spans, copyA.id)).map((s) => s.id), [copyA.id]);
  const removedB = apply(spans, removeVersions(spans, [copyB.id]));
  assert.equal(removedB.length, 2);
  assert.equal(flagged(removedB).length, 2, 'local and copy A still disagree');
  assert.equal(removedB.find((s) => s.id === local.id)!.conflict, copyA.id, 'local names a version still there');
});

test('a version whose other version is already gone is settled by keeping it; spans in no conflict are left alone', () => {
  const [local] = conflictPair();
  const plain = span(TEXT, [[11, 22]], 'DRUG');
  assert.deepEqual(apply([local, plain], keepVersion([local, plain], local.id)).map((s) => [s.id, s.flags, s.conflict]), [
    [local.id, [], undefined],
    [plain.id, [], undefined],
  ]);
  assert.deepEqual(keepVersion([plain], plain.id), []);
  assert.deepEqual(removeVersions([plain], [plain.id]), [[plain.id, null]]);
});

/** Two annotators' workspaces and a folder remote, with one span both changed differently since the last sync. */
/** Two annotators' workspaces with the same note, and a sync of either through one folder remote. */
async function twoAnnotators() {
  const remote = new FileRemote(await scratchDir());
  const sync = (ws: string) => new SyncEngine().sync({ workspaceDir: ws, remote, pullNotes: false, fetchPinnedModel: false });
  const workspace = async (author: string) => {
    const ws = await scratchDir();
    await fs.mkdir(path.join(ws, 'notes'), { recursive: true });
    await fs.writeFile(path.join(ws, 'notes', 'a.txt'), TEXT);
    return { ws, store: new AnnotationStore(ws, { author, saveDelayMs: 0 }) };
  };
  return { sync, ana: await workspace('ana'), ben: await workspace('ben') };
}

async function teamWithConflict() {
  const { sync, ana, ben } = await twoAnnotators();
  const [first] = await ana.store.addSpans('notes/a.txt', TEXT, [{ label: 'ADE', fragments: [[0, 4]] }]);
  await ana.store.flush();
  await sync(ana.ws);
  await sync(ben.ws);
  await ana.store.changeLabel('notes/a.txt', [first.id], 'DRUG');
  await ana.store.flush();
  await ben.store.setStatus('notes/a.txt', [first.id], 'rejected');
  await ben.store.flush();
  await sync(ana.ws);
  const conflicted = await sync(ben.ws);
  assert.equal(conflicted.conflicts, 1);
  await sync(ana.ws);
  const open = async (ws: string) => (await new ConflictScanner(ws).scan()).count;
  assert.equal(await open(ana.ws), 1, 'the conflict reached the other annotator too');
  assert.equal(await open(ben.ws), 1);
  // The stores read the merged files again, as the editor does after a sync.
  await ana.store.reload('notes/a.txt');
  await ben.store.reload('notes/a.txt');
  return { ana, ben, sync, open, id: first.id };
}

for (const how of ['keep', 'remove'] as const) {
  test(`a conflict resolved by ${how === 'keep' ? 'keeping one version' : 'removing one version'} is resolved for the whole team and never comes back`, async () => {
    const { ana, ben, sync, open, id } = await teamWithConflict();
    const spans = (await ben.store.get('notes/a.txt')).spans;
    const copy = spans.find((s) => s.id !== id)!;
    if (how === 'keep') await ben.store.keepConflictVersion('notes/a.txt', copy.id);
    else await ben.store.removeSpansResolvingConflicts('notes/a.txt', [id]);
    await ben.store.flush();
    assert.equal(await open(ben.ws), 0);
    for (let round = 0; round < 2; round++) {
      await sync(ben.ws);
      await sync(ana.ws);
    }
    assert.equal(await open(ana.ws), 0, 'nothing flagged reached the teammate');
    assert.equal(await open(ben.ws), 0, 'and nothing came back');
    await ana.store.reload('notes/a.txt');
    const left = (await ana.store.get('notes/a.txt')).spans;
    assert.equal(left.length, 1);
    assert.equal(left[0].id, copy.id, 'the version kept');
    assert.deepEqual(left[0].flags, []);
  });
}

test('"Keep this one" is one undo step: undo brings the conflict back as it was', async () => {
  const ws = await scratchDir();
  const [local, copy] = conflictPair();
  const store = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 0 });
  await fs.mkdir(path.join(ws, 'notes'), { recursive: true });
  await fs.writeFile(path.join(ws, 'notes', 'a.txt'), TEXT);
  await store.importSpans('notes/a.txt', TEXT, [{ label: 'X', fragments: [[11, 22]] }]);
  // Put the pair in as a sync would have left it.
  await fs.mkdir(path.join(ws, '.sidelight', 'annotations', 'notes'), { recursive: true });
  await store.flush();
  const file = path.join(ws, '.sidelight', 'annotations', 'notes', 'a.txt.json');
  const car = JSON.parse(await fs.readFile(file, 'utf8'));
  car.spans.push(local, copy);
  await fs.writeFile(file, JSON.stringify(car));
  await store.reload('notes/a.txt');
  assert.deepEqual(await store.keepConflictVersion('notes/a.txt', local.id), [copy.id]);
  assert.equal((await store.get('notes/a.txt')).spans.length, 2);
  await store.undo('notes/a.txt');
  const back = (await store.get('notes/a.txt')).spans;
  assert.equal(back.length, 3);
  assert.equal(flagged([...back]).length, 2);
});

test('a relation changed differently on two sides is an open conflict (counted, with its words); keeping one version resolves it for the team', async () => {
  const { sync, ana, ben } = await twoAnnotators();
  const [rash, amox] = await ana.store.addSpans('notes/a.txt', TEXT, [
    { label: 'ADE', fragments: [[0, 4]] },
    { label: 'DRUG', fragments: [[11, 22]] },
  ]);
  const link = await ana.store.addRelation('notes/a.txt', { type: 'caused_by', from: rash.id, to: amox.id });
  await ana.store.flush();
  await sync(ana.ws);
  await sync(ben.ws);
  await ben.store.reload('notes/a.txt');
  // Ana rejects the link; Ben's copy re-types it (written as another tool would: the store has no
  // "change a relation's type"). Two different changes to one relation.
  await ana.store.setRelationStatus('notes/a.txt', [link.id], 'rejected');
  await ana.store.flush();
  const file = path.join(ben.ws, '.sidelight', 'annotations', 'notes', 'a.txt.json');
  const retyped = (await fs.readFile(file, 'utf8')).replace('"type":"caused_by"', '"type":"worsened_by"');
  assert.match(retyped, /worsened_by/);
  await fs.writeFile(file, retyped);
  await ben.store.reload('notes/a.txt');
  await sync(ana.ws);
  await sync(ben.ws);
  const scan = await new ConflictScanner(ben.ws).scan();
  assert.equal(scan.relations.length, 2, JSON.stringify(scan.relations));
  assert.equal(scan.count, 1, 'the two versions are one conflict');
  assert.deepEqual(scan.relations.map((r) => [r.fromText, r.toText]), [['Rash', 'amoxicillin'], ['Rash', 'amoxicillin']]);
  await ben.store.reload('notes/a.txt');
  const kept = scan.relations.find((r) => r.remoteCopy)!;
  assert.deepEqual(await ben.store.keepRelationVersion('notes/a.txt', kept.id), [kept.otherId]);
  await ben.store.flush();
  assert.equal((await new ConflictScanner(ben.ws).scan()).count, 0);
  await sync(ben.ws);
  await sync(ana.ws);
  assert.equal((await new ConflictScanner(ana.ws).scan()).count, 0, 'resolved for the teammate too');
});
