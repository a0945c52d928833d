import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { AnnotationSpan, parseSidecar, serializeSidecar, sha256, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { acceptedBy, blindView, doneFor, normalizedVotes, verdictOf, votesOf, withVote } from '../../../src/core/annotations/votes';
import { agreementNote, finishedBy } from '../../../src/core/agreement/workspaceAgreementInput';
import { mergeSidecars, type SidecarLike } from '../../../src/core/sync/merge';
import { locator, span, withTempDir, writeFile } from './helpers';

const NOTE = 'notes/v.txt';
const TEXT = 'Started lisinopril; she developed a dry cough and dizziness.';
const at = locator(TEXT);

/** Two annotators' stores on one workspace, with a clock that moves a second per call. */
async function twoStores(ws: string, options: { blind?: boolean } = {}) {
  await writeFile(ws, NOTE, TEXT);
  let t = Date.parse('2026-12-05T10:00:00Z');
  const now = () => new Date((t += 1000));
  const make = (author: string) => new AnnotationStore(ws, { author, saveDelayMs: 0, now, blind: options.blind });
  return { ana: make('ana'), ben: make('ben') };
}

async function handOver(from: AnnotationStore, to: AnnotationStore): Promise<void> {
  await from.flush();
  await to.reload(NOTE);
}

const onDisk = async (ws: string) => parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'x');

test('votes: implied by author and status in old sidecars; written only when they say more; sorted by author', () => {
  const s = span(TEXT, [at('dry cough')], 'ADE', { author: 'ana', status: 'accepted', updatedAt: '2026-12-05T10:00:00Z' });
  assert.deepEqual(votesOf(s), [{ author: 'ana', verdict: 'accepted', at: '2026-12-05T10:00:00Z' }]);
  assert.deepEqual(votesOf({ ...s, status: 'suggested' }), [], 'a suggestion nobody reviewed has no vote');
  const both = normalizedVotes(withVote(s, 'ben', 'rejected', '2026-12-05T10:01:00Z'));
  assert.deepEqual(both.votes?.map((v) => [v.author, v.verdict]), [['ana', 'accepted'], ['ben', 'rejected']]);
  assert.equal(both.status, 'rejected', 'the shared status is the last decision');
  assert.deepEqual(acceptedBy(both), ['ana']);
  assert.equal(verdictOf(both, 'ben'), 'rejected');
  // Ben takes his vote back: only ana's is left, which author and status no longer say → kept explicit.
  const back = normalizedVotes(withVote(both, 'ben', undefined, '2026-12-05T10:02:00Z', 'accepted'));
  assert.deepEqual(back.votes?.map((v) => v.author), ['ana']);
  // Ana decides again: her vote is what author and status say → no votes field.
  assert.equal(normalizedVotes(withVote(back, 'ana', 'accepted', '2026-12-05T10:03:00Z')).votes, undefined);
});

test('votes round-trip through the sidecar (version 3); bad votes are refused naming the span', () => {
  const s: AnnotationSpan = { ...span(TEXT, [at('dry cough')]), votes: [{ author: 'ana', verdict: 'accepted', at: '2026-12-05T10:00:00Z' }, { author: 'ben', verdict: 'rejected', at: '2026-12-05T10:01:00Z' }] };
  const sidecar = { schemaVersion: 1 as const, note: NOTE, noteSha256: '', done: true, doneBy: ['ben', 'ana'], spans: [s] };
  const text = serializeSidecar(sidecar);
  assert.match(text, /"schemaVersion": 3/);
  assert.match(text, /"doneBy": \["ana","ben"\]/);
  const back = parseSidecar(text, 'f.json');
  assert.deepEqual(back.spans[0].votes, s.votes);
  assert.deepEqual(back.doneBy, ['ana', 'ben']);
  const bad = (from: string, to: string) => () => parseSidecar(text.replace(from, to), 'f.json');
  assert.throws(bad('"verdict":"rejected"', '"verdict":"maybe"'), /f\.json:\d+: span 1, vote 2: must be/);
  assert.throws(bad('"author":"ben","verdict"', '"author":"ana","verdict"'), /two votes by "ana"/);
  assert.throws(bad('"doneBy": ["ana","ben"]', '"doneBy": [1]'), /"doneBy" must be a list/);
});

test('two annotators labelling the same span are two votes on one span; agreement reads both', async () => {
  await withTempDir(async (ws) => {
    const { ana, ben } = await twoStores(ws);
    const [cough] = await ana.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('dry cough')] }]);
    await ana.setDone(NOTE, true);
    await handOver(ana, ben);
    const result = await ben.labelSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('dry cough')] }, { label: 'ADE', fragments: [at('dizziness')] }]);
    assert.equal(result.reviewed[0].id, cough.id, "ben's label is a vote on ana's span, not a second span");
    await ben.setDone(NOTE, true);
    await ben.flush();
    const saved = await onDisk(ws);
    assert.equal(saved.schemaVersion, 3);
    assert.equal(saved.spans.length, 2);
    assert.deepEqual(acceptedBy(saved.spans.find((s) => s.id === cough.id)!), ['ana', 'ben']);
    assert.deepEqual(saved.doneBy, ['ana', 'ben']);
    assert.deepEqual(finishedBy(saved), ['ana', 'ben']);
    const read = agreementNote(NOTE, saved, TEXT).note!;
    assert.deepEqual(read.spans.ana.map((s) => s.fragments), [[at('dry cough')]]);
    assert.deepEqual(read.spans.ben.map((s) => s.fragments), [[at('dry cough')], [at('dizziness')]]);
    // Undo takes ben's "done" back, and only his.
    assert.equal(await ben.undo(NOTE), true);
    assert.deepEqual((await ben.get(NOTE)).doneBy, ['ana']);
    ana.dispose();
    ben.dispose();
  });
});

test('blind mode: I see my labels and the model\'s; changing or removing a colleague\'s word makes my own', async () => {
  await withTempDir(async (ws) => {
    const { ana, ben } = await twoStores(ws, { blind: true });
    const [cough, dizzy] = await ana.addSpans(NOTE, TEXT, [
      { label: 'ADE', fragments: [at('dry cough')], source: 'model:m@1', score: 0.6 },
      { label: 'ADE', fragments: [at('dizziness')] },
    ]);
    await ana.setStatus(NOTE, [cough.id], 'accepted');
    await handOver(ana, ben);
    const seen = blindView((await ben.get(NOTE)).spans, 'ben');
    assert.deepEqual(seen.map((s) => [s.id, s.status]), [[cough.id, 'suggested']], "ben sees the model's suggestion, not ana's acceptance nor her label");
    assert.deepEqual(blindView((await ben.get(NOTE)).spans, 'ana').map((s) => [s.id, s.status]), [[cough.id, 'accepted'], [dizzy.id, 'accepted']]);

    // Ben gives the model's span another label: ana's accepted span stays hers, ben gets his own copy.
    const [copy] = await ben.changeLabel(NOTE, [cough.id], 'DRUG');
    assert.notEqual(copy.id, cough.id);
    const after = (await ben.get(NOTE)).spans;
    const original = after.find((s) => s.id === cough.id)!;
    assert.equal(original.label, 'ADE');
    assert.equal(verdictOf(original, 'ana'), 'accepted');
    assert.equal(verdictOf(original, 'ben'), 'rejected');
    assert.deepEqual(blindView(after, 'ben').map((s) => [s.label, s.status]), [['ADE', 'rejected'], ['DRUG', 'accepted']]);

    // Removing a span ana accepted only records ben's rejection; his own copy is really removed.
    assert.equal(await ben.removeSpansResolvingConflicts(NOTE, [cough.id, copy.id]), 2);
    const left = (await ben.get(NOTE)).spans;
    assert.deepEqual(left.map((s) => s.id).sort(), [cough.id, dizzy.id].sort());
    assert.equal(verdictOf(left.find((s) => s.id === cough.id)!, 'ana'), 'accepted');

    // Done is per annotator in blind mode.
    await ana.flush();
    await ben.setDone(NOTE, true);
    const sidecar = await ben.get(NOTE);
    assert.equal(doneFor(sidecar, 'ben'), true);
    assert.equal(doneFor(sidecar, 'ana'), false);
    ana.dispose();
    ben.dispose();
  });
});

test('sync merge keeps both annotators\' votes cast on two machines; one annotator\'s two different votes conflict', () => {
  const base = span(TEXT, [at('dry cough')], 'ADE', { id: 's', source: 'model:m@1', status: 'suggested', author: '', updatedAt: '2026-12-05T10:00:00Z' });
  const car = (s: AnnotationSpan, extra: object = {}): SidecarLike => ({ schemaVersion: 3, note: NOTE, noteSha256: '', done: true, spans: [s as never], ...extra });
  const byAna = normalizedVotes(withVote(base, 'ana', 'accepted', '2026-12-05T10:01:00Z'));
  const byBen = normalizedVotes(withVote(base, 'ben', 'rejected', '2026-12-05T10:02:00Z'));
  const m = mergeSidecars(car(base), car(byAna, { doneBy: ['ana'] }), car(byBen, { doneBy: ['ben'] }));
  assert.equal(m.conflicts, 0);
  const merged = m.merged.spans[0] as unknown as AnnotationSpan;
  assert.deepEqual(votesOf(merged).map((v) => [v.author, v.verdict]), [['ana', 'accepted'], ['ben', 'rejected']]);
  assert.equal(merged.status, 'rejected', 'the shared status is the later decision');
  assert.deepEqual(m.merged.doneBy, ['ana', 'ben']);
  // Ana on two machines, two different verdicts: both versions kept for a person to settle.
  const anaAgain = normalizedVotes(withVote(base, 'ana', 'rejected', '2026-12-05T10:03:00Z'));
  assert.equal(mergeSidecars(car(base), car(byAna), car(anaAgain)).conflicts, 1);
  // A vote against a relabel on the other side is a conflict too (the vote was on the old label).
  assert.equal(mergeSidecars(car(base), car({ ...base, label: 'DRUG' }), car(byBen)).conflicts, 1);
  // Unmarking "done" on one side is taken.
  assert.deepEqual(mergeSidecars(car(base, { doneBy: ['ana', 'ben'] }), car(base, { doneBy: ['ana'] }), car(base, { doneBy: ['ana', 'ben'] })).merged.doneBy, ['ana']);
});

test('a sidecar from before votes (no doneBy): a done note is finished by the authors of its reviewed spans', () => {
  const spans = [
    span(TEXT, [at('dry cough')], 'ADE', { author: 'ana', status: 'accepted' }),
    span(TEXT, [at('dizziness')], 'ADE', { author: 'ben', status: 'rejected', source: 'model:m@1' }),
    span(TEXT, [at('lisinopril')], 'DRUG', { author: 'cy', status: 'suggested', source: 'model:m@1' }),
  ];
  assert.deepEqual(finishedBy({ done: true, spans }), ['ana', 'ben'], "cy's unreviewed suggestion proves nothing");
  assert.deepEqual(finishedBy({ done: false, spans }), []);
  assert.deepEqual(finishedBy({ done: false, doneBy: ['cy'], spans }), ['cy'], 'doneBy, where written, is the answer');
});

test('sync merge: the same words labelled on two machines under two ids are one span with both votes; relations follow', () => {
  const mk = (id: string, author: string, extra: Partial<AnnotationSpan> = {}) => span(TEXT, [at('dry cough')], 'ADE', { id, author, status: 'accepted', updatedAt: '2026-12-05T10:00:00Z', ...extra });
  const drug = span(TEXT, [at('lisinopril')], 'DRUG', { id: 'drug', author: 'ana', status: 'accepted' });
  const link = (id: string, from: string, author: string) => ({ id, type: 'caused_by', from, to: 'drug', source: 'human', status: 'accepted', author, createdAt: 't', updatedAt: 't' });
  const car = (spans: AnnotationSpan[], relations: object[] = []): SidecarLike => ({ schemaVersion: 3, note: NOTE, noteSha256: '', done: false, spans: spans as never[], relations: relations as never[] });
  const m = mergeSidecars(car([drug]), car([drug, mk('local-id', 'ana')], [link('r1', 'local-id', 'ana')]), car([drug, mk('remote-id', 'ben', { attributes: { severity: 'mild' } })], [link('r2', 'remote-id', 'ben')]));
  assert.equal(m.conflicts, 0);
  const cough = m.merged.spans.filter((s) => s.label === 'ADE') as unknown as AnnotationSpan[];
  assert.deepEqual(cough.map((s) => s.id), ['local-id']);
  assert.deepEqual(acceptedBy(cough[0]), ['ana', 'ben']);
  assert.deepEqual(cough[0].attributes, { severity: 'mild' });
  assert.deepEqual(m.merged.relations?.map((r) => [r.id, r.from]), [['r1', 'local-id']], "ben's relation is the same link once folded");
  // Different attribute values: both spans stay (a person decides).
  const split = mergeSidecars(car([drug]), car([drug, mk('l', 'ana', { attributes: { severity: 'mild' } })]), car([drug, mk('r', 'ben', { attributes: { severity: 'severe' } })]));
  assert.deepEqual(split.merged.spans.filter((s) => s.label === 'ADE').map((s) => s.id), ['l', 'r']);
});

test("blind votes, typing and a colleague's sync arriving with no time between them: every vote kept, no conflict, spans on their words", async () => {
  await withTempDir(async (ws) => {
    await writeFile(ws, NOTE, TEXT);
    const t = '2026-12-05T09:00:00.000Z';
    const model = span(TEXT, [at('dry cough')], 'ADE', { id: 'model-1', source: 'model:m@1', status: 'suggested', author: '', score: 0.6, createdAt: t, updatedAt: t });
    const hers = span(TEXT, [at('dizziness')], 'ADE', { id: 'ana-1', author: 'ana', status: 'accepted', createdAt: t, updatedAt: t });
    const file = sidecarPathFor(ws, NOTE);
    await writeFile(ws, `.sidelight/annotations/${NOTE}.json`, serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: false, spans: [model, hers] }));
    const ben = new AnnotationStore(ws, { author: 'ben', saveDelayMs: 60_000, blind: true });
    await ben.open(NOTE, TEXT);

    // As a script sends them: Ben's review, his typing, his label and "done", and Ana's sync writing her
    // acceptance of the same suggestion, nothing awaited in between.
    let text = TEXT;
    const type = (offset: number, insertedText: string) => {
      ben.applyEdits(NOTE, [{ offset, deletedLength: 0, insertedText }], (text = text.slice(0, offset) + insertedText + text.slice(offset)));
    };
    const pending: Promise<unknown>[] = [ben.setStatus(NOTE, ['model-1'], 'rejected')];
    type(0, 'Note. ');
    const dizzy = text.indexOf('dizziness');
    pending.push(ben.labelSpans(NOTE, text, [{ label: 'ADE', fragments: [[dizzy, dizzy + 'dizziness'.length]] }]));
    type(text.indexOf('she'), 'then ');
    pending.push(ben.setDone(NOTE, true));
    pending.push(fs.writeFile(file, serializeSidecar({ schemaVersion: 1, note: NOTE, noteSha256: sha256(TEXT), done: false, spans: [{ ...model, status: 'accepted', author: 'ana', updatedAt: '2026-12-05T09:01:00.000Z' }, hers] })));
    await Promise.all(pending);
    // The editor saves the note; the store then writes, merging Ana's file in.
    await fs.writeFile(path.join(ws, NOTE), text);
    await ben.noteSaved(NOTE, text);
    await ben.flush();

    const saved = parseSidecar(await fs.readFile(file, 'utf8'), file);
    assert.equal(saved.spans.length, 2, `no conflict copy: ${saved.spans.map((s) => s.id).join(', ')}`);
    assert.ok(saved.spans.every((s) => !s.flags.includes('conflict')));
    const word = (id: string) => {
      const s = saved.spans.find((x) => x.id === id)!;
      return text.slice(s.fragments[0][0], s.fragments[0][1]);
    };
    assert.deepEqual([word('model-1'), word('ana-1')], ['dry cough', 'dizziness']);
    assert.deepEqual(votesOf(saved.spans.find((s) => s.id === 'model-1')!).map((v) => `${v.author}:${v.verdict}`), ['ana:accepted', 'ben:rejected']);
    assert.deepEqual(acceptedBy(saved.spans.find((s) => s.id === 'ana-1')!), ['ana', 'ben']);
    assert.deepEqual(saved.doneBy, ['ben']);
    ben.dispose();
  });
});
