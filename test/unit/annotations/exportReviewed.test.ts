import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { describeLeftOut } from '../../../src/core/annotations/exportSummary';
import { exportWorkspace } from '../../../src/core/annotations/importExport';
import { cleanupScratch, scratchDir } from '../sync/helpers';

after(cleanupScratch);

const TEXT = 'Rash after amoxicillin; nausea on metformin.\n';
const RASH: [number, number] = [0, 4];
const AMOXICILLIN: [number, number] = [11, 22];
const MODEL = 'model:test@1';

/**
 * Four notes as a labelling project has them after "Pre-annotate all" and some review: done with no label
 * (a true negative), suggestions only (never reviewed), in progress (one label accepted, suggestions
 * left), done with labels.
 */
async function project(): Promise<string> {
  const ws = await scratchDir('sidelight-export-');
  await fs.mkdir(path.join(ws, 'notes'), { recursive: true });
  const store = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 0 });
  for (const n of ['negative', 'unreviewed', 'progress', 'done']) await fs.writeFile(path.join(ws, 'notes', `${n}.txt`), TEXT);
  await store.setDone('notes/negative.txt', true);
  await store.importSpans('notes/unreviewed.txt', TEXT, [{ label: 'ADE', fragments: [RASH], source: MODEL, status: 'suggested' }, { label: 'DRUG', fragments: [AMOXICILLIN], source: MODEL, status: 'suggested' }]);
  await store.importSpans('notes/progress.txt', TEXT, [{ label: 'ADE', fragments: [RASH], source: MODEL, status: 'suggested' }, { label: 'DRUG', fragments: [AMOXICILLIN], source: 'human', status: 'accepted' }]);
  await store.importSpans('notes/done.txt', TEXT, [{ label: 'ADE', fragments: [RASH], source: 'human', status: 'accepted' }]);
  await store.setDone('notes/done.txt', true);
  await store.flush();
  return ws;
}

function rows(text: string): { file: string; spans: { label: string }[]; done?: boolean }[] {
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

test('an export of reviewed notes never writes an unreviewed note as an empty row, and says what it left out', async () => {
  const ws = await project();
  const out = await exportWorkspace(ws, 'jsonl', { notes: 'reviewed' });
  assert.equal(out.output.kind, 'text');
  const written = rows(out.output.kind === 'text' ? out.output.text : '');
  assert.deepEqual(
    written.map((r) => [r.file, r.spans.map((s) => s.label), r.done]),
    [
      ['notes/done.txt', ['ADE'], true],
      ['notes/negative.txt', [], true],
      ['notes/progress.txt', ['DRUG'], false],
    ],
  );
  assert.deepEqual(out.notesLeftOut, { unreviewed: 1, inProgress: 0 });
  assert.equal(out.notesDone, 2);
  assert.equal(out.notesInProgress, 1);
  assert.equal(out.skipped.suggested, 3);
});

test('an export of notes marked done leaves out the notes in progress too', async () => {
  const ws = await project();
  const out = await exportWorkspace(ws, 'jsonl', { notes: 'done' });
  const written = rows(out.output.kind === 'text' ? out.output.text : '');
  assert.deepEqual(written.map((r) => [r.file, r.done]), [['notes/done.txt', true], ['notes/negative.txt', true]]);
  assert.deepEqual(out.notesLeftOut, { unreviewed: 1, inProgress: 1 });
});

test('spaCy and CoNLL exports say each note\'s review state too (in meta, in a comment line the import skips)', async () => {
  const ws = await project();
  const spacy = await exportWorkspace(ws, 'spacy', { notes: 'reviewed' });
  const metas = (spacy.output.kind === 'text' ? spacy.output.text : '').trim().split('\n').map((l) => JSON.parse(l).meta);
  assert.deepEqual(metas.map((m: { file: string; done: boolean }) => [m.file, m.done]), [['notes/done.txt', true], ['notes/negative.txt', true], ['notes/progress.txt', false]]);
  const conll = await exportWorkspace(ws, 'conll', { notes: 'reviewed' });
  assert.match(conll.output.kind === 'text' ? conll.output.text : '', /^# file = notes\/progress\.txt\n# done = false\n/m);
});

test('the default export is unchanged: every note with a sidecar, no review state', async () => {
  const ws = await project();
  const out = await exportWorkspace(ws, 'jsonl');
  const written = rows(out.output.kind === 'text' ? out.output.text : '');
  assert.equal(written.length, 4);
  assert.ok(written.every((r) => r.done === undefined));
});

test('the notification says what was left out, in words', async () => {
  const ws = await project();
  assert.equal(
    describeLeftOut(await exportWorkspace(ws, 'jsonl', { notes: 'done' })),
    '1 note not reviewed yet (not marked done, no accepted label), 1 note in progress (not marked done), 3 unreviewed suggestions',
  );
  assert.equal(describeLeftOut({ skipped: { suggested: 0, rejected: 0, orphan: 0 }, notesLeftOut: { unreviewed: 0, inProgress: 0 } }), 'nothing');
});
