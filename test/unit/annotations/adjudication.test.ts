import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annotatorsOf, disagreements, goldSpans, notesToAdjudicate } from '../../../src/core/annotations/adjudication';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { exportWorkspace } from '../../../src/core/annotations/importExport';
import { votesOf } from '../../../src/core/annotations/votes';
import { locator, withTempDir, writeFile } from './helpers';

const NOTE = 'notes/a.txt';
const TEXT = 'On lisinopril she had severe nausea, then a dry cough and a rash.';
const at = locator(TEXT);

/**
 * Ana and Ben label the note independently (blind), as two stores on one workspace:
 * - both: "lisinopril" DRUG (agreed);
 * - ana "severe nausea", ben "nausea" (one disagreement of two overlapping spans);
 * - ana only: "rash" (a one-span disagreement); ben only rejects nothing.
 */
async function twoAnnotators(ws: string): Promise<{ ana: AnnotationStore; ben: AnnotationStore }> {
  await writeFile(ws, NOTE, TEXT);
  let t = Date.parse('2026-12-05T10:00:00Z');
  const now = () => new Date((t += 1000));
  const ana = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 0, now, blind: true });
  const ben = new AnnotationStore(ws, { author: 'ben', saveDelayMs: 0, now, blind: true });
  await ana.labelSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at('lisinopril')] }, { label: 'ADE', fragments: [at('severe nausea')] }, { label: 'ADE', fragments: [at('rash')] }]);
  await ana.setDone(NOTE, true);
  await ana.flush();
  await ben.reload(NOTE);
  await ben.labelSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at('lisinopril')] }, { label: 'ADE', fragments: [at('nausea')] }]);
  await ben.setDone(NOTE, true);
  await ben.flush();
  return { ana, ben };
}

test('disagreements: overlapping differing spans are one, by position; agreed spans are none', async () => {
  await withTempDir(async (ws) => {
    const { ana, ben } = await twoAnnotators(ws);
    const sidecar = await ben.get(NOTE);
    assert.deepEqual(annotatorsOf(sidecar), ['ana', 'ben']);
    const open = disagreements(sidecar);
    assert.deepEqual(
      open.map((d) => d.spans.map((s) => [s.span.quote.text, s.acceptedBy.join('+')])),
      [[['severe nausea', 'ana'], ['nausea', 'ben']], [['rash', 'ana']]],
    );
    assert.equal(goldSpans(sidecar), undefined, 'no gold before adjudication');
    ana.dispose();
    ben.dispose();
  });
});

test('adjudication: decisions settle disagreements without touching votes; the gold is agreed plus adjudicated; export --gold writes only it', async () => {
  await withTempDir(async (ws) => {
    const { ana, ben } = await twoAnnotators(ws);
    const judge = new AnnotationStore(ws, { author: 'cleo', saveDelayMs: 0 });
    const [nausea, rash] = disagreements(await judge.get(NOTE));
    // Ana's "severe nausea" is right; the rash is rejected.
    await judge.adjudicate(NOTE, nausea.spans.map((d) => ({ id: d.span.id, verdict: d.span.quote.text === 'severe nausea' ? 'accepted' : 'rejected' })), false);
    assert.equal(disagreements(await judge.get(NOTE)).length, 1);
    assert.equal((await exportWorkspace(ws, 'jsonl', { notes: 'gold' })).notesLeftOut.notAdjudicated, 1, 'not gold until every disagreement is settled');
    await judge.adjudicate(NOTE, rash.spans.map((d) => ({ id: d.span.id, verdict: 'rejected' })), true);
    const sidecar = await judge.get(NOTE);
    assert.deepEqual(sidecar.adjudicated?.by, 'cleo');
    const benNausea = sidecar.spans.find((s) => s.quote.text === 'nausea')!;
    assert.deepEqual(benNausea.adjudication?.verdict, 'rejected');
    assert.deepEqual(votesOf(benNausea).map((v) => [v.author, v.verdict]), [['ben', 'accepted']], "ben's vote outlives the adjudicator's decision");
    const gold = goldSpans(sidecar)!.filter((s) => s.status === 'accepted').map((s) => `${s.label}:${s.quote.text}`).sort();
    assert.deepEqual(gold, ['ADE:severe nausea', 'DRUG:lisinopril']);
    await judge.flush();
    const exported = await exportWorkspace(ws, 'jsonl', { notes: 'gold' });
    assert.equal(exported.notes, 1);
    assert.ok(exported.output.kind === 'text');
    const row = JSON.parse(exported.output.text.trim()) as { spans: { label: string; start: number; end: number }[] };
    assert.deepEqual(row.spans.map((s) => TEXT.slice(s.start, s.end)).sort(), ['lisinopril', 'severe nausea']);
    // Undo takes the last decision and the "adjudicated" mark back together.
    assert.equal(await judge.undo(NOTE), true);
    assert.equal((await judge.get(NOTE)).adjudicated, undefined);
    assert.equal(disagreements(await judge.get(NOTE)).length, 1);
    for (const s of [ana, ben, judge]) s.dispose();
  });
});

test('notes to adjudicate: finished by two annotators, with a disagreement left; gone once adjudicated', async () => {
  await withTempDir(async (ws) => {
    const { ana, ben } = await twoAnnotators(ws);
    const sidecar = await ben.get(NOTE);
    assert.deepEqual(notesToAdjudicate(new Map([[NOTE, sidecar]])), [NOTE]);
    assert.deepEqual(notesToAdjudicate(new Map([[NOTE, { ...sidecar, doneBy: ['ana'] }]])), [], 'one annotator finished it: nothing to compare yet');
    await ben.adjudicate(NOTE, disagreements(sidecar).flatMap((d) => d.spans.map((s) => ({ id: s.span.id, verdict: 'accepted' as const }))), true);
    assert.deepEqual(notesToAdjudicate(new Map([[NOTE, await ben.get(NOTE)]])), []);
    ana.dispose();
    ben.dispose();
  });
});
