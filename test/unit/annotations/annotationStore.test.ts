import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnnotationChange, AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { fragmentsText, parseSidecar, sha256, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { storeFixture, writeFile } from './helpers';

const NOTE = 'notes/a.txt';
const TEXT = 'Started amoxicillin on Monday.\r\nDeveloped a rash and severe itching two days later.\r\n';
const range = (text: string, quote: string): [number, number] => {
  const i = text.indexOf(quote);
  assert.ok(i >= 0);
  return [i, i + quote.length];
};

// Stores write 5 ms after a change; each finishes its delayed writes before its workspace is removed.
const { setup, track, withWorkspace } = storeFixture({ saveDelayMs: 5, notes: { [NOTE]: TEXT }, settle: (store) => store.flush().catch(() => undefined) });

async function onDisk(ws: string, note = NOTE) {
  return parseSidecar(await fs.readFile(sidecarPathFor(ws, note), 'utf8'), 'x');
}

test('labels from several selections become several spans; one discontinuous entity becomes one span; written on flush', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
      { label: 'ADE', fragments: [range(TEXT, 'severe'), range(TEXT, 'itching')] },
    ]);
    await store.flush();
    const saved = await onDisk(ws);
    assert.equal(saved.note, NOTE);
    assert.equal(saved.noteSha256, sha256(TEXT));
    assert.deepEqual(saved.spans.map((s) => [s.label, fragmentsText(TEXT, s.fragments)]), [
      ['DRUG', 'amoxicillin'],
      ['ADE', 'rash'],
      ['ADE', 'severe itching'],
    ]);
    assert.ok(saved.spans.every((s) => s.author === 'ana' && s.source === 'human' && s.status === 'accepted'));
    assert.equal(new Set(saved.spans.map((s) => s.id)).size, 3);
    // CRLF counts two: "rash" sits after two CRLF-free lines' worth of offsets plus the \r\n.
    assert.equal(saved.spans[1].fragments[0][0], TEXT.indexOf('rash'));
    // A new store (a restart) reads the same thing.
    const again = new AnnotationStore(ws, { author: 'bo' });
    assert.deepEqual((await again.get(NOTE)).spans, saved.spans);
  });
});

test('a crash mid-write (a .tmp left behind) leaves the old sidecar intact and is ignored', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    await store.flush();
    const file = sidecarPathFor(ws, NOTE);
    const before = await fs.readFile(file, 'utf8');
    // What writeFileAtomic leaves when the process dies before its rename: a partial temporary file.
    await fs.writeFile(path.join(path.dirname(file), '.a.txt.json.0badc0ffee00.tmp'), before.slice(0, 40));
    const restarted = track(new AnnotationStore(ws, { author: 'ana', saveDelayMs: 5 }));
    assert.deepEqual(await restarted.listNotes(), [NOTE]);
    assert.equal((await restarted.get(NOTE)).spans.length, 1);
    assert.equal(await fs.readFile(file, 'utf8'), before);
    await restarted.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] }]);
    await restarted.flush();
    assert.equal((await onDisk(ws)).spans.length, 2);
  });
});

test('a malformed sidecar: InputError with file and line, the file is never overwritten, other notes keep working', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws, { [NOTE]: TEXT, 'notes/b.txt': 'Nausea from metformin.' });
    const broken = '{\n  "schemaVersion": 1,\n  "note": "notes/a.txt",\n  "noteSha256": "",\n  "done": maybe,\n  "spans": []\n}\n';
    const brokenFile = await writeFile(ws, '.sidelight/annotations/notes/a.txt.json', broken);
    await assert.rejects(store.get(NOTE), (e: unknown) => e instanceof InputError && e.file === brokenFile && e.line === 5);
    await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]), InputError);
    await assert.rejects(store.setDone(NOTE, true), InputError);
    await store.addSpans('notes/b.txt', 'Nausea from metformin.', [{ label: 'ADE', fragments: [[0, 6]] }]);
    await store.flush();
    assert.equal(await fs.readFile(brokenFile, 'utf8'), broken, 'left for the user to fix');
    assert.equal((await onDisk(ws, 'notes/b.txt')).spans.length, 1);
    const fresh = new AnnotationStore(ws, { author: 'ana' });
    const all = await fresh.loadAll();
    assert.deepEqual(all.notes, ['notes/b.txt']);
    assert.equal(all.errors.length, 1);
    assert.equal(all.errors[0].file, brokenFile);
    // Fixed by hand: reload picks it up.
    await fs.writeFile(brokenFile, broken.replace('maybe', 'true'));
    assert.equal((await store.reload(NOTE)).done, true);
  });
});

test('undo and redo labelling actions, including after the text was edited', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [rash] = await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    await store.changeLabel(NOTE, [rash.id], 'DRUG');
    await store.setDone(NOTE, true);
    assert.equal(await store.undo(NOTE), true);
    assert.equal((await store.get(NOTE)).done, false);
    assert.equal(await store.undo(NOTE), true);
    assert.equal((await store.get(NOTE)).spans[0].label, 'ADE');
    assert.equal(await store.undo(NOTE), true);
    assert.equal((await store.get(NOTE)).spans.length, 0);
    assert.equal(await store.undo(NOTE), false);
    assert.equal(await store.redo(NOTE), true);
    assert.equal((await store.get(NOTE)).spans[0].label, 'ADE');

    // Remove it, type above it, then undo the removal: it comes back where its text now is.
    await store.removeSpans(NOTE, [rash.id]);
    const edited = 'Allergy list reviewed. ' + TEXT;
    assert.equal(store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: 'Allergy list reviewed. ' }]), true);
    await store.undo(NOTE);
    const [back] = (await store.get(NOTE)).spans;
    assert.equal(fragmentsText(edited, back.fragments), 'rash');
    // A new action clears the redo history.
    await store.undo(NOTE);
    await store.addSpans(NOTE, edited, [{ label: 'ADE', fragments: [range(edited, 'itching')] }]);
    assert.equal(await store.redo(NOTE), false);
  });
});

test('unsaved editor edits stay in memory; the save writes offsets that match the saved text', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    await store.flush();
    const before = await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8');
    const insert = 'Allergies: none known.\r\n';
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: insert }]);
    await store.addSpans(NOTE, insert + TEXT, [{ label: 'ADE', fragments: [range(insert + TEXT, 'itching')] }]);
    await store.flush();
    assert.equal(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), before, 'nothing written while the note is unsaved');
    assert.deepEqual(store.pendingNotes(), [NOTE]);
    const saved = insert + TEXT;
    await writeFile(ws, NOTE, saved);
    await store.noteSaved(NOTE, saved);
    await store.flush();
    const disk = await onDisk(ws);
    assert.equal(disk.noteSha256, sha256(saved));
    assert.deepEqual(disk.spans.map((s) => fragmentsText(saved, s.fragments)), ['rash', 'itching']);
    assert.equal(disk.spans[0].quote.prefix, saved.slice(disk.spans[0].fragments[0][0] - 30, disk.spans[0].fragments[0][0]));
  });
});

test('an orphan made by a deletion comes back when the editor undoes the deletion', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [rash] = await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    const [s, e] = range(TEXT, 'a rash and');
    const deleted = TEXT.slice(0, s) + TEXT.slice(e);
    store.applyEdits(NOTE, [{ offset: s, deletedLength: e - s, insertedText: '' }], deleted);
    assert.deepEqual(store.peek(NOTE)![0].flags, ['orphan']);
    store.applyEdits(NOTE, [{ offset: s, deletedLength: 0, insertedText: TEXT.slice(s, e) }], TEXT);
    const back = store.peek(NOTE)![0];
    assert.equal(back.id, rash.id);
    assert.deepEqual(back.flags, []);
    assert.deepEqual(back.fragments, [range(TEXT, 'rash')]);
  });
});

test('a note changed outside the editor is re-anchored on open, and the sidecar rewritten', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.addSpans(NOTE, TEXT, [
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
    ]);
    await store.flush();
    const pulled = 'Chief complaint: itchy skin.\n' + TEXT.replace('Started amoxicillin on Monday.\r\n', '');
    await writeFile(ws, NOTE, pulled);
    const restarted = track(new AnnotationStore(ws, { author: 'ana', saveDelayMs: 5 }));
    const opened = await restarted.open(NOTE);
    assert.deepEqual(opened.reanchored?.orphaned.length, 1);
    assert.equal(opened.reanchored?.moved.length, 1);
    await restarted.flush();
    const disk = await onDisk(ws);
    assert.equal(disk.noteSha256, sha256(pulled));
    const rash = disk.spans.find((x) => x.label === 'ADE')!;
    assert.equal(fragmentsText(pulled, rash.fragments), 'rash');
    const drug = disk.spans.find((x) => x.label === 'DRUG')!;
    assert.deepEqual(drug.flags, ['orphan'], 'kept, not deleted');
    assert.equal(drug.quote.text, 'amoxicillin');
  });
});

test('importing an identical span (same label and fragments) adds nothing; a rejection is kept', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [mine] = await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    const r = await store.importSpans(NOTE, TEXT, [
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
      { label: 'DRUG', fragments: [range(TEXT, 'rash')] },
      { label: 'ADE', fragments: [range(TEXT, 'itching')] },
      { label: 'ADE', fragments: [range(TEXT, 'itching')] },
    ]);
    assert.equal(r.added.length, 2);
    assert.equal(r.duplicates, 2);
    assert.ok(r.added.every((s) => s.source === 'import' && s.status === 'accepted'));
    await store.setStatus(NOTE, [mine.id], 'rejected');
    const again = await store.importSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    assert.equal(again.added.length, 0);
    const spans = (await store.get(NOTE)).spans;
    assert.equal(spans.length, 3);
    assert.equal(spans.find((s) => s.id === mine.id)?.status, 'rejected');
  });
});

test('labelling the exact text of a suggestion with its label accepts it (same id, no new span); undo brings the suggestion back', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const model = 'model:m@1';
    const { added: suggestions } = await store.importSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')], source: model, status: 'suggested', score: 0.9 },
      { label: 'ADE', fragments: [range(TEXT, 'rash')], source: model, status: 'suggested', score: 0.8 },
    ]);
    // Two cursors: one on each suggestion's exact text, both labelled with the suggestion's label.
    const r = await store.labelSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
    ]);
    assert.equal(r.added.length, 0);
    assert.deepEqual(r.reviewed.map((s) => s.id), suggestions.map((s) => s.id));
    const spans = (await store.get(NOTE)).spans;
    assert.equal(spans.length, 2, 'no duplicate');
    assert.deepEqual(spans.map((s) => [s.id, s.label, s.status, s.source, s.score]), [
      [suggestions[0].id, 'DRUG', 'accepted', model, 0.9],
      [suggestions[1].id, 'ADE', 'accepted', model, 0.8],
    ]);
    assert.ok(spans.every((s) => s.author === 'ana'));
    assert.ok(await store.undo(NOTE));
    assert.deepEqual((await store.get(NOTE)).spans.map((s) => s.status), ['suggested', 'suggested'], 'one undo step');
  });
});

test('"Change label" on a suggestion accepts it under the new label; on an accepted or rejected span it changes only the label', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const { added } = await store.importSpans(NOTE, TEXT, [
      { label: 'ADE', fragments: [range(TEXT, 'amoxicillin')], source: 'model:m@1', status: 'suggested', score: 0.9 },
      { label: 'DRUG', fragments: [range(TEXT, 'rash')], source: 'model:m@1', status: 'rejected', score: 0.8 },
    ]);
    await store.changeLabel(NOTE, [added[0].id], 'DRUG');
    await store.changeLabel(NOTE, [added[1].id], 'ADE');
    const spans = (await store.get(NOTE)).spans;
    assert.deepEqual(spans.map((s) => [s.id, s.label, s.status]), [
      [added[0].id, 'DRUG', 'accepted'],
      [added[1].id, 'ADE', 'rejected'],
    ]);
    assert.ok(await store.undo(NOTE));
    assert.deepEqual((await store.get(NOTE)).spans.find((s) => s.id === added[1].id)?.label, 'DRUG', 'one undo step per change');
    assert.ok(await store.undo(NOTE));
    assert.deepEqual((await store.get(NOTE)).spans.map((s) => [s.label, s.status]), [['ADE', 'suggested'], ['DRUG', 'rejected']]);
  });
});

test('labelling a suggestion\'s text with another label changes it to that label, accepted; identical accepted spans are not duplicated', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const {
      added: [suggestion],
    } = await store.importSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'amoxicillin')], source: 'model:m@1', status: 'suggested' }]);
    const r = await store.labelSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] }]);
    assert.deepEqual(r.reviewed.map((s) => [s.id, s.label, s.status]), [[suggestion.id, 'DRUG', 'accepted']]);
    assert.equal((await store.get(NOTE)).spans.length, 1);

    // The same text labelled again (twice, by two cursors): nothing new.
    const again = await store.labelSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
    ]);
    assert.equal(again.added.length, 0);
    assert.equal(again.unchanged.length, 2);
    assert.equal((await store.get(NOTE)).spans.length, 1);

    // A rejected span labelled with its label is accepted again; overlapping but different text is a new span.
    await store.setStatus(NOTE, [suggestion.id], 'rejected');
    const mixed = await store.labelSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [range(TEXT, 'amoxicillin')] },
      { label: 'DRUG', fragments: [range(TEXT, 'Started amoxicillin')] },
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
      { label: 'ADE', fragments: [range(TEXT, 'rash')] },
    ]);
    assert.deepEqual(mixed.reviewed.map((s) => [s.id, s.status]), [[suggestion.id, 'accepted']]);
    assert.deepEqual(mixed.added.map((s) => s.quote.text), ['Started amoxicillin', 'rash'], 'two cursors on new text make one span');
    assert.equal((await store.get(NOTE)).spans.length, 3);
  });
});

test('importing with skipOverlapping leaves out items overlapping any span of the note, whatever its status', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [widened] = await store.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [range(TEXT, 'Started amoxicillin')] }]);
    const {
      added: [rejected],
    } = await store.importSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'severe itching')], source: 'model:m@1', status: 'suggested' }]);
    await store.setStatus(NOTE, [rejected.id], 'rejected');
    const model = (label: string, quote: string) => ({ label, fragments: [range(TEXT, quote)], source: 'model:m@2', status: 'suggested' as const });
    const r = await store.importSpans(NOTE, TEXT, [model('DRUG', 'amoxicillin'), model('ADE', 'itching'), model('ADE', 'rash'), model('ADE', 'a rash')], {
      skipOverlapping: true,
    });
    assert.deepEqual(r.added.map((s) => s.quote.text), ['rash'], 'inside the widened span, inside the rejection, and overlapping an earlier item: left out');
    assert.equal(r.overlapping, 3);
    assert.deepEqual(
      (await store.get(NOTE)).spans.map((s) => [s.quote.text, s.status]),
      [
        ['Started amoxicillin', 'accepted'],
        ['rash', 'suggested'],
        ['severe itching', 'rejected'],
      ],
    );
    assert.ok(widened);
    // Without the option, imports still only skip identical spans.
    const plain = await store.importSpans(NOTE, TEXT, [model('DRUG', 'amoxicillin')]);
    assert.equal(plain.added.length, 1);
  });
});

test('concurrent changes and saves of two notes all reach the disk, with no temporary file left', async () => {
  await withWorkspace(async (ws) => {
    const other = 'Hypotension after lisinopril.';
    const store = await setup(ws, { [NOTE]: TEXT, 'notes/b.txt': other });
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      ops.push(store.addSpans(NOTE, TEXT, [{ label: i % 2 ? 'ADE' : 'DRUG', fragments: [[i, i + 3]] }]));
      ops.push(store.addSpans('notes/b.txt', other, [{ label: 'ADE', fragments: [[i, i + 2]] }]));
      if (i % 5 === 0) ops.push(store.save(NOTE), store.save('notes/b.txt'));
    }
    await Promise.all(ops);
    await Promise.all([store.flush(), store.flush()]);
    assert.equal((await onDisk(ws)).spans.length, 20);
    assert.equal((await onDisk(ws, 'notes/b.txt')).spans.length, 20);
    const dirFiles = await fs.readdir(path.dirname(sidecarPathFor(ws, NOTE)));
    assert.deepEqual(dirFiles.sort(), ['a.txt.json', 'b.txt.json']);
    assert.deepEqual(store.pendingNotes(), []);
  });
});

test('a sidecar follows its note when moved, and is removed with it; listeners hear about both', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const events: AnnotationChange[] = [];
    const unsubscribe = store.onDidChange((e) => events.push(e));
    const [rash] = await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    await store.flush();
    await store.moveNote(NOTE, 'archive/2024/a.txt');
    assert.deepEqual(await store.listNotes(), ['archive/2024/a.txt']);
    const moved = await onDisk(ws, 'archive/2024/a.txt');
    assert.equal(moved.note, 'archive/2024/a.txt');
    assert.equal(moved.spans[0].id, rash.id);
    await assert.rejects(fs.access(path.join(ws, '.sidelight', 'annotations', 'notes')), 'empty folders are removed');
    await store.deleteNote('archive/2024/a.txt');
    assert.deepEqual(await store.listNotes(), []);
    assert.deepEqual(
      events.map((e) => `${e.reason}:${e.note}`),
      ['label:notes/a.txt', 'move:notes/a.txt', 'move:archive/2024/a.txt', 'delete:archive/2024/a.txt'],
    );
    unsubscribe();
    await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'rash')] }]);
    assert.equal(events.length, 4);
  });
});

test('a malformed sidecar moves with its note unparsed', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await writeFile(ws, '.sidelight/annotations/notes/a.txt.json', '{oops');
    await store.moveNote(NOTE, 'notes/renamed.txt');
    assert.equal(await fs.readFile(sidecarPathFor(ws, 'notes/renamed.txt'), 'utf8'), '{oops');
    await assert.rejects(store.get('notes/renamed.txt'), InputError);
  });
});

test('spans outside the text or with no label are refused with an InputError', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [[5, TEXT.length + 1]] }]), /past the end/);
    await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: '', fragments: [[0, 3]] }]), InputError);
    await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [[3, 3]] }]), /empty/);
    assert.equal((await store.get(NOTE)).spans.length, 0);
  });
});

test('fixing boundaries clears the review flags; accepting clears edited; a caller that skips open() still gets re-anchored spans', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [s1] = await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [range(TEXT, 'severe itching')] }]);
    await store.flush();
    // Typing inside the span flags it; fixing its boundaries to the selection clears that.
    const inside = TEXT.indexOf('itching');
    store.applyEdits(NOTE, [{ offset: inside, deletedLength: 0, insertedText: 'and ' }]);
    assert.deepEqual(store.peek(NOTE)![0].flags, ['edited']);
    const typed = TEXT.slice(0, inside) + 'and ' + TEXT.slice(inside);
    const fixed = await store.setBoundaries(NOTE, s1.id, typed, [range(typed, 'itching')]);
    assert.deepEqual(fixed.flags, []);
    assert.equal(fixed.quote.text, 'itching');
    store.applyEdits(NOTE, [{ offset: typed.indexOf('itching') + 2, deletedLength: 1, insertedText: '' }]);
    const [accepted] = await store.setStatus(NOTE, [s1.id], 'accepted');
    assert.deepEqual(accepted.flags, []);

    // Another process changed the note on disk; an operation that passes the new text re-anchors first.
    const other = await setup(ws, { 'notes/c.txt': 'Rash after penicillin.' });
    await other.addSpans('notes/c.txt', 'Rash after penicillin.', [{ label: 'ADE', fragments: [[0, 4]] }]);
    await other.flush();
    const changed = 'Allergies: Rash after penicillin.';
    const later = track(new AnnotationStore(ws, { author: 'bo', saveDelayMs: 5 }));
    await later.addSpans('notes/c.txt', changed, [{ label: 'DRUG', fragments: [range(changed, 'penicillin')] }]);
    assert.deepEqual((await later.get('notes/c.txt')).spans.map((s) => fragmentsText(changed, s.fragments)), ['Rash', 'penicillin']);
  });
});

test('labelling called with a text and offsets, keys typed before it runs: the label catches up with them; words rewritten meanwhile refuse it', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    let text = TEXT;
    const type = (offset: number, deletedLength: number, insertedText: string) => {
      store.applyEdits(NOTE, [{ offset, deletedLength, insertedText }], (text = text.slice(0, offset) + insertedText + text.slice(offset + deletedLength)));
    };
    await store.open(NOTE, TEXT);
    const labelled = store.labelSpans(NOTE, text, [{ label: 'ADE', fragments: [range(text, 'rash')] }, { label: 'DRUG', fragments: [range(text, 'amoxicillin')] }]);
    // No time between them: the call, then two insertions before both words (one inside the first line).
    type(0, 0, 'Note: ');
    type(text.indexOf('Monday'), 0, 'last ');
    const { added } = await labelled;
    assert.deepEqual(added.map((s) => [s.label, text.slice(s.fragments[0][0], s.fragments[0][1])]), [['ADE', 'rash'], ['DRUG', 'amoxicillin']]);
    assert.equal(added[0].quote.text, 'rash');

    const rewritten = store.labelSpans(NOTE, text, [{ label: 'ADE', fragments: [range(text, 'itching')] }]);
    type(text.indexOf('itching') + 2, 3, 'XYZ');
    await assert.rejects(rewritten, (e: unknown) => e instanceof InputError && /rewritten while the labelling waited: nothing was labelled/.test(e.message));
    assert.equal((await store.get(NOTE)).spans.some((s) => s.label === 'ADE' && s.quote.text.startsWith('it')), false);
  });
});
