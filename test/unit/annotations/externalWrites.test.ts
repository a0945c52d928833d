import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { AnnotationChange, AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { AnnotationSpan, Sidecar, fragmentsText, parseSidecar, serializeSidecar, sha256, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { locator, span, storeFixture, writeFile } from './helpers';

/**
 * The sidecar changes on disk while the store holds it in memory (`sidelight sync` or `git pull` in a
 * terminal, `sidelight import`, a teammate's labels): the store's next write must not put its stale copy
 * over those changes. It merges them in, per span, like the sync does.
 */

const NOTE = 'notes/a.txt';
const TEXT = 'Started amoxicillin on Monday. Developed a rash and severe itching two days later; nausea too.\n';
const at = locator(TEXT);

// A long delay: the test decides when the store writes (save / flush), as a slow editor might.
const { setup, track, withWorkspace } = storeFixture({ saveDelayMs: 60_000, notes: { [NOTE]: TEXT }, settle: (store) => store.dispose() });

async function onDisk(ws: string): Promise<Sidecar> {
  return parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'disk');
}

/** What a teammate's sync (or git pull) leaves on disk: the sidecar as it was, changed by `change`. */
async function writeFromOutside(ws: string, change: (spans: AnnotationSpan[]) => AnnotationSpan[]): Promise<void> {
  const current = await onDisk(ws);
  await fs.writeFile(sidecarPathFor(ws, NOTE), serializeSidecar({ ...current, spans: change(current.spans) }));
}

const texts = (spans: readonly AnnotationSpan[]) => spans.map((s) => `${s.label}:${fragmentsText(TEXT, s.fragments)}`).sort();

/** A sidecar on disk with one span, loaded by the store (as when the editor opened the note). */
async function loaded(ws: string): Promise<{ store: AnnotationStore; first: AnnotationSpan }> {
  const store = await setup(ws);
  const first = span(TEXT, [at('amoxicillin')], 'DRUG');
  await writeFile(ws, `.sidelight/annotations/${NOTE}.json`, serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: false, spans: [first] }));
  await store.open(NOTE, TEXT);
  return { store, first };
}

test('a span added on disk by someone else and a span added in the store are both kept, on disk and in memory', async () => {
  await withWorkspace(async (ws) => {
    const { store } = await loaded(ws);
    const changes: AnnotationChange[] = [];
    store.onDidChange((c) => changes.push(c));
    await writeFromOutside(ws, (spans) => [...spans, span(TEXT, [at('rash')], 'ADE', { author: 'bo' })]);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('nausea')] }]);
    await store.save(NOTE);
    const want = ['ADE:nausea', 'ADE:rash', 'DRUG:amoxicillin'];
    assert.deepEqual(texts((await onDisk(ws)).spans), want, 'the teammate\'s span is still on disk');
    assert.deepEqual(texts((await store.get(NOTE)).spans), want, 'and the store shows it');
    assert.ok(changes.some((c) => c.note === NOTE && c.reason === 'merge'), 'listeners hear about the merge (the editor redraws)');
    assert.equal((await onDisk(ws)).spans.some((s) => s.flags.includes('conflict')), false);
    // The next change is based on the merged file: no second merge, nothing lost.
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('itching')] }]);
    await store.flush();
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:itching', ...want]);
    // A fresh store (a restart) reads the same.
    assert.deepEqual(texts((await new AnnotationStore(ws, { author: 'x' }).get(NOTE)).spans), ['ADE:itching', ...want]);
  });
});

test('a span deleted on disk stays deleted when the store adds another one', async () => {
  await withWorkspace(async (ws) => {
    const { store, first } = await loaded(ws);
    await writeFromOutside(ws, (spans) => spans.filter((s) => s.id !== first.id));
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await store.flush();
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:rash']);
    assert.deepEqual(texts((await store.get(NOTE)).spans), ['ADE:rash']);
  });
});

test('the same span changed differently on disk and in the store: a conflict, both versions kept and flagged', async () => {
  await withWorkspace(async (ws) => {
    const { store, first } = await loaded(ws);
    await writeFromOutside(ws, (spans) => spans.map((s) => (s.id === first.id ? { ...s, label: 'ADE', author: 'bo', updatedAt: '2025-02-01T00:00:00.000Z' } : s)));
    await store.setStatus(NOTE, [first.id], 'rejected');
    await store.save(NOTE);
    const spans = (await onDisk(ws)).spans;
    assert.equal(spans.length, 2);
    assert.ok(spans.every((s) => s.flags.includes('conflict') && typeof s.conflict === 'string'));
    const mine = spans.find((s) => s.id === first.id);
    const theirs = spans.find((s) => s.id !== first.id);
    assert.equal(mine?.status, 'rejected');
    assert.equal(mine?.label, 'DRUG');
    assert.equal(theirs?.label, 'ADE');
    assert.equal(mine?.conflict, theirs?.id);
    assert.deepEqual((await store.get(NOTE)).spans, spans);
  });
});

test('a malformed file on disk is never overwritten: the save fails with its InputError and the change stays in memory', async () => {
  await withWorkspace(async (ws) => {
    const { store } = await loaded(ws);
    const file = sidecarPathFor(ws, NOTE);
    const broken = '{"schemaVersion": 1, "spans": [ <<<<<<< HEAD\n';
    await fs.writeFile(file, broken);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await assert.rejects(store.save(NOTE), (e: unknown) => e instanceof InputError && e.file === file);
    await assert.rejects(store.flush(), InputError);
    assert.equal(await fs.readFile(file, 'utf8'), broken, 'the file is left for the user to fix');
    assert.deepEqual(texts(store.peek(NOTE) ?? []), ['ADE:rash', 'DRUG:amoxicillin'], 'the change is kept in memory');
    assert.deepEqual(store.pendingNotes(), [NOTE]);
    assert.ok(store.errors().get(NOTE) instanceof InputError, 'reported with the other unreadable sidecars');
    // Fixed by hand (here: the teammate's version): the next save merges into it.
    await fs.writeFile(file, serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: true, spans: [span(TEXT, [at('nausea')], 'ADE')] }));
    await store.save(NOTE);
    const fixed = await onDisk(ws);
    assert.ok(texts(fixed.spans).includes('ADE:rash') && texts(fixed.spans).includes('ADE:nausea'));
    assert.equal(fixed.done, true);
    assert.equal(store.errors().has(NOTE), false);
  });
});

test('a sidecar deleted on disk while the store holds unsaved changes is written again with them', async () => {
  await withWorkspace(async (ws) => {
    const { store } = await loaded(ws);
    await fs.rm(sidecarPathFor(ws, NOTE));
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await store.flush();
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:rash', 'DRUG:amoxicillin']);
  });
});

test('a sidecar created on disk for a note the store loaded without one is merged, not replaced', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.open(NOTE, TEXT);
    await writeFile(ws, `.sidelight/annotations/${NOTE}.json`, serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: false, spans: [span(TEXT, [at('nausea')], 'ADE')] }));
    await store.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at('amoxicillin')] }]);
    await store.flush();
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:nausea', 'DRUG:amoxicillin']);
  });
});

test('undo after a merge does not bring back what the other side deleted (the undo history is cleared)', async () => {
  await withWorkspace(async (ws) => {
    const { store, first } = await loaded(ws);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await store.flush();
    await writeFromOutside(ws, (spans) => spans.filter((s) => s.id !== first.id));
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('nausea')] }]);
    await store.flush();
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:nausea', 'ADE:rash']);
    assert.equal(await store.undo(NOTE), false, 'nothing to undo across an outside change');
    assert.deepEqual(texts((await store.get(NOTE)).spans), ['ADE:nausea', 'ADE:rash']);
  });
});

test('two stores on one workspace (the editor and `sidelight import` in a terminal) never drop each other\'s spans', async () => {
  await withWorkspace(async (ws) => {
    const { store: editor } = await loaded(ws);
    const cli = track(new AnnotationStore(ws, { author: 'ci', saveDelayMs: 60_000 }));
    await cli.importSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await cli.flush();
    await editor.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('itching')] }]);
    await editor.flush();
    await cli.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('nausea')] }]);
    await cli.flush();
    const want = ['ADE:itching', 'ADE:nausea', 'ADE:rash', 'DRUG:amoxicillin'];
    assert.deepEqual(texts((await onDisk(ws)).spans), want);
    assert.deepEqual(texts((await cli.get(NOTE)).spans), want);
  });
});

test('refreshFromDisk: a note without unsaved changes takes the file as it is; the store\'s own write is not a change', async () => {
  await withWorkspace(async (ws) => {
    const { store, first } = await loaded(ws);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await store.flush();
    assert.equal(await store.refreshFromDisk(NOTE), false, 'its own write');
    const changes: AnnotationChange[] = [];
    store.onDidChange((c) => changes.push(c));
    await writeFromOutside(ws, (spans) => [...spans.filter((s) => s.id !== first.id), span(TEXT, [at('nausea')], 'ADE')]);
    assert.equal(await store.refreshFromDisk(NOTE), true);
    assert.deepEqual(texts(store.peek(NOTE) ?? []), ['ADE:nausea', 'ADE:rash']);
    assert.deepEqual(changes, [{ note: NOTE, reason: 'load' }]);
    assert.deepEqual(store.pendingNotes(), []);
    assert.equal(await store.refreshFromDisk('notes/never-loaded.txt'), false);
  });
});

test('refreshFromDisk: a note with unsaved changes is saved, merging the file in; a malformed file is reported', async () => {
  await withWorkspace(async (ws) => {
    const { store } = await loaded(ws);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('rash')] }]);
    await writeFromOutside(ws, (spans) => [...spans, span(TEXT, [at('nausea')], 'ADE')]);
    assert.equal(await store.refreshFromDisk(NOTE), true);
    assert.deepEqual(texts((await onDisk(ws)).spans), ['ADE:nausea', 'ADE:rash', 'DRUG:amoxicillin']);
    assert.deepEqual(texts(store.peek(NOTE) ?? []), ['ADE:nausea', 'ADE:rash', 'DRUG:amoxicillin']);
    // Without unsaved changes, a malformed file makes the note fail like a malformed sidecar on load.
    await fs.writeFile(sidecarPathFor(ws, NOTE), '{ nope');
    await assert.rejects(store.refreshFromDisk(NOTE), InputError);
    await assert.rejects(store.get(NOTE), InputError);
    await fs.writeFile(sidecarPathFor(ws, NOTE), serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: false, spans: [] }));
    assert.equal(await store.refreshFromDisk(NOTE), true, 'fixed: read again');
    assert.deepEqual((await store.get(NOTE)).spans, []);
  });
});

test('refreshFromDisk: a note with edits not yet saved merges the file only once its saved text is known', async () => {
  await withWorkspace(async (ws) => {
    const { store } = await loaded(ws);
    // A key typed at the start: the spans follow the editor's text, which the file does not hold yet.
    const typed = `X${TEXT}`;
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: 'X' }], typed);
    await writeFromOutside(ws, (spans) => [...spans, span(TEXT, [at('nausea')], 'ADE')]);
    const shifted = (spans: readonly AnnotationSpan[]) => spans.map((s) => `${s.label}:${fragmentsText(typed, s.fragments)}`).sort();
    assert.equal(await store.refreshFromDisk(NOTE), false, 'nothing taken while the offsets are not the file\'s');
    assert.deepEqual(shifted(store.peek(NOTE) ?? []), ['DRUG:amoxicillin']);
    // The editor's text reaches the file (a save, or the editor found holding the file's text).
    await fs.writeFile(`${ws}/${NOTE}`, typed);
    await store.noteSaved(NOTE, typed);
    await store.flush();
    assert.deepEqual(shifted(store.peek(NOTE) ?? []), ['ADE:nausea', 'DRUG:amoxicillin']);
    assert.deepEqual(shifted((await onDisk(ws)).spans), ['ADE:nausea', 'DRUG:amoxicillin']);
  });
});
