import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { trimEdited } from '../../../src/core/annotations/fragments';
import { AnnotationSpan, fragmentsText, makeQuote, parseSidecar, serializeSidecar, sha256, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { storeFixture, writeFile } from './helpers';

/**
 * The store's side of "labels never drift": edits that arrive while something asynchronous is under way
 * (the sidecar being read, a file being re-read) must never be overwritten by a result computed on the
 * text before them. The real extension host runs the same races in test/integration/driftProperty.test.ts.
 */

const NOTE = 'notes/a.txt';
const TEXT = 'ALLERGIES: ALLERGIC TO PENICILLIN, CAUSES SKIN RASH.\nPlan: continue lisinopril daily.\n';
const at = (text: string, quote: string): [number, number] => {
  const i = text.indexOf(quote);
  assert.ok(i >= 0, quote);
  return [i, i + quote.length];
};
const insert = (text: string, offset: number, s: string) => text.slice(0, offset) + s + text.slice(offset);

const { setup, withWorkspace } = storeFixture({ saveDelayMs: 5, notes: { [NOTE]: TEXT }, settle: (store) => store.flush().catch(() => undefined) });

async function labelled(ws: string, quote = 'SKIN RASH'): Promise<AnnotationStore> {
  const first = await setup(ws);
  await first.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at(TEXT, quote)] }]);
  await first.flush();
  return setup(ws);
}

test('keys typed while the sidecar is being read (the note just opened) move the spans too', async () => {
  await withWorkspace(async (ws) => {
    const store = await labelled(ws);
    // The editor opens the note (the store starts reading the sidecar), and three keys arrive before the
    // read is done: each is applied in order once the sidecar is there.
    const opening = store.open(NOTE, TEXT);
    let text = TEXT;
    for (const ch of 'XYZ') {
      assert.equal(store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: ch }], (text = insert(text, 0, ch))), true, 'accepted while loading');
    }
    await opening;
    const [span] = (await store.get(NOTE)).spans;
    assert.equal(fragmentsText(text, span.fragments), 'SKIN RASH');
  });
});

test('open() with the text as the editor has it does not re-anchor spans that follow unsaved edits', async () => {
  await withWorkspace(async (ws) => {
    const store = await labelled(ws);
    await store.open(NOTE, TEXT);
    // First key after a save: the spans move; then someone asks open() with the (unsaved) text.
    const typed = insert(TEXT, 0, 'X');
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: 'X' }], typed);
    await store.open(NOTE, typed);
    const more = insert(typed, 1, 'YZ ');
    store.applyEdits(NOTE, [{ offset: 1, deletedLength: 0, insertedText: 'YZ ' }], more);
    const [span] = (await store.get(NOTE)).spans;
    assert.equal(fragmentsText(more, span.fragments), 'SKIN RASH');
    await store.noteSaved(NOTE, more);
    await store.flush();
    const disk = parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'x');
    assert.equal(disk.spans[0].quote.text, 'SKIN RASH');
    assert.equal(disk.noteSha256, sha256(more));
  });
});

test('a reload from disk whose edits rewrote a label\'s own words leaves an orphan, not a label on the new words', async () => {
  await withWorkspace(async (ws) => {
    const store = await labelled(ws);
    await store.open(NOTE, TEXT);
    // Another program replaced "SKIN RASH" by "HIVES"; VS Code replays that as an edit of the line.
    const changed = TEXT.replace('SKIN RASH', 'HIVES');
    const line = TEXT.indexOf('\n') + 1;
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: line, insertedText: changed.slice(0, changed.indexOf('\n') + 1) }], changed);
    await writeFile(ws, NOTE, changed);
    const orphans = await store.reloaded(NOTE, changed);
    const [span] = (await store.get(NOTE)).spans;
    assert.deepEqual(orphans, [span.id]);
    assert.ok(span.flags.includes('orphan'));
    assert.equal(span.quote.text, 'SKIN RASH', 'what was labelled is kept');
    await store.flush();
    const disk = parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'x');
    assert.equal(disk.noteSha256, sha256(changed), 'the sidecar is anchored to the reloaded note');
    assert.ok(disk.spans[0].flags.includes('orphan'));
  });
});

test('a reload from disk that only moved a label keeps it on its words, not flagged edited', async () => {
  await withWorkspace(async (ws) => {
    const store = await labelled(ws, 'lisinopril');
    await store.open(NOTE, TEXT);
    const changed = TEXT.replace('Plan: continue lisinopril', 'Plan: stop lisinopril');
    const start = TEXT.indexOf('Plan');
    store.applyEdits(NOTE, [{ offset: start, deletedLength: TEXT.length - start, insertedText: changed.slice(start) }], changed);
    assert.ok((await store.get(NOTE)).spans[0].flags.includes('orphan'), 'the line-wide edit loses it first');
    const orphans = await store.reloaded(NOTE, changed);
    const [span] = (await store.get(NOTE)).spans;
    assert.deepEqual(orphans, []);
    assert.equal(fragmentsText(changed, span.fragments), 'lisinopril');
    assert.deepEqual(span.flags, []);
  });
});

test('a label another writer added to the sidecar while the note had unsaved edits lands on its words after the save', async () => {
  await withWorkspace(async (ws) => {
    const store = await labelled(ws);
    await store.open(NOTE, TEXT);
    // Another process adds a span anchored to the note as on disk (before the editor's edit is saved).
    const file = sidecarPathFor(ws, NOTE);
    const current = parseSidecar(await fs.readFile(file, 'utf8'), file);
    const f = at(TEXT, 'lisinopril');
    const theirs: AnnotationSpan = { ...current.spans[0], id: 'teammate', label: 'DRUG', fragments: [f], quote: makeQuote(TEXT, [f]), author: 'bo' };
    await fs.writeFile(file, serializeSidecar({ ...current, spans: [...current.spans, theirs] }));
    // Meanwhile the editor typed at the top, then saved.
    const typed = insert(TEXT, 0, 'XYZ ');
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: 'XYZ ' }], typed);
    await writeFile(ws, NOTE, typed);
    await store.noteSaved(NOTE, typed);
    await store.flush();
    const disk = parseSidecar(await fs.readFile(file, 'utf8'), file);
    assert.deepEqual(disk.spans.map((s) => fragmentsText(typed, s.fragments)).sort(), ['SKIN RASH', 'lisinopril']);
    assert.equal(disk.noteSha256, sha256(typed));
  });
});

test('typing over a label\'s end trims the space and trailing punctuation the edit left inside it', () => {
  const text = 'Known cardiac disease.';
  const [s, e] = at(text, 'cardiac');
  const span: AnnotationSpan = { id: 'a', label: 'ADE', fragments: [[s, e]], quote: makeQuote(text, [[s, e]]), source: 'human', status: 'accepted', flags: [], author: 'ana', createdAt: 't', updatedAt: 't' };
  // "iac" replaced by "iac " (the edit lies within the span, so the span keeps the replacement).
  const after = 'Known cardiac  disease.';
  const moved: AnnotationSpan = { ...span, fragments: [[s, e + 1]], flags: ['edited'] };
  const [trimmed] = trimEdited(after, [span], [moved]);
  assert.equal(fragmentsText(after, trimmed.fragments), 'cardiac');
  // A span the edit did not touch is the same object.
  assert.equal(trimEdited(after, [span], [span])[0], span);
  // A label left with only a space becomes an orphan, never a label on nothing.
  const blank: AnnotationSpan = { ...span, fragments: [[5, 6]], flags: ['edited'] };
  assert.ok(trimEdited(after, [span], [blank])[0].flags.includes('orphan'));
});

test('a linked .sidelight/annotations is neither read nor written: the labels would live outside the workspace', async () => {
  await withWorkspace(async (ws) => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-outside-'));
    try {
      await fs.mkdir(path.join(ws, '.sidelight'), { recursive: true });
      await fs.symlink(outside, path.join(ws, '.sidelight', 'annotations'));
      const store = await setup(ws);
      await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at(TEXT, 'SKIN RASH')] }]), /symbolic link/);
      assert.deepEqual(await fs.readdir(outside), [], 'nothing was written through the link');
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });
});
