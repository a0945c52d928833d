import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LABEL_SCHEMA } from '../../../src/core/annotations/labelSchema';
import type { AnnotationSpan, Sidecar, SpanStatus } from '../../../src/core/annotations/sidecar';
import {
  agreementRows,
  buildPanelState,
  conflictsInRaw,
  conflictsOf,
  describeSyncResult,
  devMetricsTables,
  evaluationNotes,
  labelRows,
  linkCounts,
  progressInfo,
  syncInfo,
  workspaceMetrics,
} from '../../../src/core/panel/panelViewModel';

let nextId = 0;
function span(label: string, start: number, end: number, extra: Partial<AnnotationSpan> = {}): AnnotationSpan {
  return {
    id: `s${++nextId}`,
    label,
    fragments: [[start, end]],
    quote: { text: 'x'.repeat(end - start), prefix: '', suffix: '' },
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'ana',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}
const suggestion = (label: string, start: number, end: number, status: SpanStatus = 'suggested') =>
  span(label, start, end, { source: 'model:ade@1.0.0', status, score: 0.9 });

function sidecar(note: string, spans: AnnotationSpan[], done = false): Sidecar {
  return { schemaVersion: 1, note, noteSha256: '', done, spans };
}

function sidecars(...list: Sidecar[]): Map<string, Sidecar> {
  return new Map(list.map((s) => [s.note, s]));
}

test('label rows: schema order with colour, key and definition; counts only accepted spans', () => {
  const rows = labelRows(
    DEFAULT_LABEL_SCHEMA,
    sidecars(
      sidecar('a.txt', [span('ADE', 0, 4), span('ADE', 10, 14), span('DRUG', 20, 28), span('ADE', 30, 33, { status: 'rejected' })]),
      sidecar('b.txt', [suggestion('ADE', 0, 5), span('ADE', 6, 9, { flags: ['orphan'] })]),
    ),
  );
  assert.deepEqual(
    rows.map((r) => [r.name, r.count, r.color, r.key, r.inSchema]),
    [
      ['ADE', 3, '#e5534b', 'a', true],
      ['DRUG', 1, '#3b82f6', 'd', true],
    ],
  );
  assert.match(rows[0].definition ?? '', /Adverse drug effect/);
});

test('link counts: accepted relations per type (schema types listed even at 0), then attribute values set on accepted labels', () => {
  const ade = span('ADE', 0, 4, { attributes: { assertion: 'absent' } });
  const drug = span('DRUG', 10, 14);
  const relation = (id: string, status: SpanStatus) => ({ id, type: 'caused_by', from: ade.id, to: drug.id, source: 'human', status, author: 'ana', createdAt: '', updatedAt: '' });
  const withRelations: Sidecar = { ...sidecar('a.txt', [ade, drug, span('ADE', 20, 24, { status: 'rejected', attributes: { assertion: 'possible' } })]), relations: [relation('r1', 'accepted'), relation('r2', 'suggested')] };
  assert.deepEqual(linkCounts(DEFAULT_LABEL_SCHEMA, sidecars(withRelations, sidecar('b.txt', [span('ADE', 0, 3, { attributes: { assertion: 'absent', severity: 'mild' } })]))), [
    { name: 'caused_by', count: 1 },
    { name: 'assertion: absent', count: 2 },
    { name: 'severity: mild', count: 1 },
  ]);
  assert.deepEqual(linkCounts(DEFAULT_LABEL_SCHEMA, new Map()), [{ name: 'caused_by', count: 0 }]);
  assert.deepEqual(linkCounts(undefined, new Map()), []);
});

test('agreement rows: one per pair with notes finished in common, the note they disagree on most named; none for one annotator', () => {
  const text = 'Rash after amoxicillin. Nausea with metformin.';
  const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
  const same = { note: 'notes/same.txt', text, spans: { ana: [{ label: 'ADE', fragments: [at('Rash')] }], ben: [{ label: 'ADE', fragments: [at('Rash')] }] }, finishedBy: ['ana', 'ben'] };
  const differ = { note: 'notes/differ.txt', text, spans: { ana: [{ label: 'ADE', fragments: [at('Nausea')] }], ben: [] }, finishedBy: ['ana', 'ben'] };
  const [row, ...rest] = agreementRows([same, differ]);
  assert.deepEqual(rest, []);
  assert.deepEqual([row.a, row.b, row.notes, row.worstNote], ['ana', 'ben', 2, 'notes/differ.txt']);
  // 1 match of 2 + 1 spans: strict F1 2·1 / 3.
  assert.ok(Math.abs((row.strictF1 ?? 0) - 2 / 3) < 1e-9, String(row.strictF1));
  assert.ok(row.kappa !== null && row.kappa < 1);
  assert.equal(agreementRows([same])[0].worstNote, undefined, 'full agreement: no note to point at');
  assert.deepEqual(agreementRows([{ ...same, finishedBy: ['ana'], spans: { ana: same.spans.ana } }]), []);
});

test('conflicts: a relation kept in two versions is listed as one row per version, with its spans\' words', () => {
  const ade = span('ADE', 0, 4);
  const drug = span('DRUG', 10, 14);
  const version = (id: string, conflict: string) => ({ id, type: 'caused_by', from: ade.id, to: drug.id, source: 'human', status: 'accepted' as const, author: 'ana', createdAt: '', updatedAt: '', conflict });
  const rows = conflictsOf(sidecars({ ...sidecar('a.txt', [ade, drug]), relations: [version('r', 'r~remote-1'), version('r~remote-1', 'r'), { ...version('calm', ''), conflict: undefined }] }));
  assert.deepEqual(rows, [
    { note: 'a.txt', spanId: 'r', label: 'caused_by', text: 'xxxx → xxxx', relation: true },
    { note: 'a.txt', spanId: 'r~remote-1', label: 'caused_by', text: 'xxxx → xxxx', relation: true },
  ]);
});

test('label rows: labels missing from the schema are still counted, after the schema labels, without colour', () => {
  const rows = labelRows(DEFAULT_LABEL_SCHEMA, sidecars(sidecar('a.txt', [span('SYMPTOM', 0, 3), span('DOSE', 4, 6), span('DOSE', 7, 9)])));
  assert.deepEqual(
    rows.map((r) => [r.name, r.count, r.inSchema, r.color]),
    [
      ['ADE', 0, true, '#e5534b'],
      ['DRUG', 0, true, '#3b82f6'],
      ['DOSE', 2, false, undefined],
      ['SYMPTOM', 1, false, undefined],
    ],
  );
  assert.deepEqual(labelRows(undefined, new Map()), [], 'no schema and no spans: no rows');
});

test('progress: labelled, done, reviewed and pending predictions, orphans', () => {
  const p = progressInfo(
    ['a.txt', 'b.txt', 'c.txt', 'd.txt'],
    sidecars(
      sidecar('a.txt', [span('ADE', 0, 4), suggestion('ADE', 5, 9, 'accepted'), suggestion('DRUG', 10, 14, 'rejected')], true),
      sidecar('b.txt', [suggestion('ADE', 0, 4), suggestion('DRUG', 5, 9)]),
      sidecar('c.txt', [], true),
      sidecar('gone.txt', [span('DRUG', 0, 4, { flags: ['orphan'] })]),
    ),
  );
  assert.deepEqual(p, {
    // the four files plus gone.txt, which has labels but is no longer among the note files
    notesTotal: 5,
    notesLabelled: 2,
    notesDone: 2,
    predictionsReviewed: 2,
    predictionsPending: 2,
    orphans: 1,
  });
});

test('evaluation notes: those marked done win; until then, the notes with labels', () => {
  const partial = sidecars(sidecar('b.txt', [span('ADE', 0, 4)]), sidecar('a.txt', [span('DRUG', 0, 4)]), sidecar('c.txt', [suggestion('ADE', 0, 4)]));
  assert.deepEqual(evaluationNotes(partial), { basis: 'labelled', notes: ['a.txt', 'b.txt'] });
  const withDone = sidecars(sidecar('a.txt', [span('ADE', 0, 4)]), sidecar('z.txt', [], true));
  assert.deepEqual(evaluationNotes(withDone), { basis: 'done', notes: ['z.txt'] });
});

test('workspace metrics: the model against the accepted labels, strict and lenient, per label', () => {
  const sc = sidecars(
    sidecar('a.txt', [span('ADE', 0, 10), span('DRUG', 20, 28), span('ADE', 40, 45, { status: 'rejected' })]),
    sidecar('b.txt', [span('ADE', 0, 5), span('ADE', 50, 55, { flags: ['orphan'] })]),
  );
  const predictions = new Map([
    ['a.txt', [{ label: 'ADE', start: 0, end: 10 }, { label: 'DRUG', start: 20, end: 25 }, { label: 'ADE', start: 40, end: 45 }]],
    ['b.txt', [{ label: 'ADE', start: 1, end: 5 }]],
  ]);
  const m = workspaceMetrics(sc, predictions, ['ADE', 'DRUG']);
  assert.ok(m.available);
  assert.equal(m.basis, 'labelled');
  assert.equal(m.notes, 2);
  const ade = m.rows.find((r) => r.label === 'ADE');
  const drug = m.rows.find((r) => r.label === 'DRUG');
  // ADE gold: a[0,10), b[0,5) (the rejected one is not gold, the orphan has no place); predicted 3.
  assert.deepEqual([ade?.gold, ade?.predicted], [2, 3]);
  assert.ok(Math.abs((ade?.strict.p ?? -1) - 1 / 3) < 1e-12);
  assert.equal(ade?.strict.r, 0.5);
  assert.ok(Math.abs((ade?.lenient.p ?? -1) - 2 / 3) < 1e-12);
  assert.equal(ade?.lenient.r, 1);
  assert.deepEqual(drug?.strict, { p: 0, r: 0, f1: 0 });
  assert.deepEqual(drug?.lenient, { p: 1, r: 1, f1: 1 });
});

test('workspace metrics: absent with a reason when there is nothing to compare', () => {
  assert.deepEqual(workspaceMetrics(new Map(), new Map()), { available: false, reason: 'no labels in this workspace yet' });
  const m = workspaceMetrics(sidecars(sidecar('a.txt', [span('ADE', 0, 4)])), new Map());
  assert.equal(m.available, false);
  assert.match(m.available ? '' : m.reason, /none of the 1 labelled note/);
});

test('dev metrics: the training pipeline shape becomes tables; other shapes are kept as raw JSON', () => {
  const tables = devMetricsTables({
    ade_dev: { ADE: { strict: { p: 0.5, r: 0.4, f1: 0.444 }, lenient: { p: 0.7, r: 0.6, f1: 0.646 } }, DRUG: { strict: { p: 0.9, r: 0.8, f1: 0.847 }, lenient: { p: 0.95, r: 0.9, f1: 0.924 } } },
    loss: 0.123,
  });
  assert.equal(tables.length, 2);
  assert.deepEqual(tables[0].rows.map((r) => [r.label, r.strict.f1, r.lenient.p]), [['ADE', 0.444, 0.7], ['DRUG', 0.847, 0.95]]);
  assert.equal(tables[0].raw, undefined);
  assert.deepEqual(tables[1], { set: 'loss', title: 'loss', rows: [], raw: '0.123' });
  // Known sets are named in words, not by the pipeline's keys.
  assert.equal(tables[0].title, 'ADE corpus abstracts, dev split');
  assert.equal(devMetricsTables({ notes_dev_v2: {} })[0].title, 'notes dev v2');
  assert.deepEqual(devMetricsTables(undefined), []);
  assert.deepEqual(devMetricsTables({}), []);
});

test('conflicts: flagged spans of parsed sidecars and of raw files the strict parser refused', () => {
  const conflicted = span('ADE', 0, 6, { quote: { text: 'nausea', prefix: '', suffix: '' } });
  (conflicted.flags as string[]).push('conflict');
  const state = buildPanelState({
    workspace: 'ws',
    schema: DEFAULT_LABEL_SCHEMA,
    sidecars: sidecars(sidecar('notes/b.txt', [conflicted, span('DRUG', 10, 14)])),
    notes: ['notes/b.txt'],
    model: { kind: 'unavailable', reason: 'no model' },
    sync: { kind: 'trusted', remote: 'file:../remote' },
    conflicts: [
      ...conflictsInRaw('notes/c.txt', {
        spans: [
          { id: 'x1', label: 'DRUG', conflict: 'x2', flags: ['conflict'], quote: { text: 'rash over skin', fragments: [[0, 4], [10, 14]] } },
          { id: 'x3', label: 'DRUG', flags: [] },
        ],
      }),
      // also found in the raw file of b.txt: listed once
      { note: 'notes/b.txt', spanId: conflicted.id, label: 'ADE', text: 'nausea' },
    ],
  });
  assert.ok(state.sync.available);
  assert.deepEqual(state.sync.conflicts, [
    { note: 'notes/b.txt', spanId: conflicted.id, label: 'ADE', text: 'nausea' },
    { note: 'notes/c.txt', spanId: 'x1', label: 'DRUG', text: 'rash skin' },
  ]);
  assert.deepEqual(conflictsInRaw('n', null), []);
  assert.deepEqual(conflictsInRaw('n', { spans: 'no' }), []);
});

test('sync info: pending counts (merges count both ways), last sync, restricted mode, no remote', () => {
  const info = syncInfo(
    {
      kind: 'trusted',
      remote: 's3://bucket/team',
      status: { toPush: ['annotations/a.txt.json'], toPull: ['annotations/b.txt.json', 'labels.json'], toMerge: ['annotations/c.txt.json'], toDelete: ['annotations/d.txt.json'], notesToPull: ['notes/e.txt'] },
      lastSync: new Date('2025-03-01T10:00:00Z'),
    },
    [],
  );
  assert.deepEqual(info, { available: true, remote: 's3://bucket/team', pendingUp: 3, pendingDown: 4, conflicts: [], lastSync: '2025-03-01T10:00:00.000Z' });
  const none = syncInfo({ kind: 'trusted' }, []);
  assert.ok(none.available);
  assert.deepEqual([none.remote, none.pendingUp, none.pendingDown, none.lastSync], [null, null, null, null]);
  const failed = syncInfo({ kind: 'trusted', remote: 's3://b/p', statusProblem: 'cannot list s3://b/p: timeout' }, []);
  assert.ok(failed.available && failed.statusProblem?.includes('timeout'));
  const restricted = syncInfo({ kind: 'restricted' }, []);
  assert.equal(restricted.available, false);
  assert.match(restricted.available ? '' : restricted.reason, /restricted mode/);
});

test('panel state: model card with short hash and source; an unverified bundle has no hash', () => {
  const now = new Date('2025-05-05T05:05:05Z');
  const base = {
    workspace: 'demo',
    schema: DEFAULT_LABEL_SCHEMA,
    sidecars: new Map<string, Sidecar>(),
    notes: ['a.txt'],
    sync: { kind: 'restricted' as const },
    problems: ['.sidelight/annotations/x.txt.json:3: "done" must be true or false'],
    now,
  };
  const state = buildPanelState({
    ...base,
    model: {
      kind: 'bundle',
      name: 'sidelight-ade',
      version: '1.2.0',
      manifestSha256: 'abcdef0123456789'.repeat(4),
      source: 'lock',
      metrics: { ade_dev: { ADE: { strict: { p: 1, r: 1, f1: 1 }, lenient: { p: 1, r: 1, f1: 1 } } } },
      workspace: { available: false, reason: 'no labels in this workspace yet' },
    },
  });
  assert.equal(state.builtAt, now.toISOString());
  assert.deepEqual(state.problems, base.problems);
  assert.equal(state.progress.notesTotal, 1);
  assert.ok(state.model.available);
  assert.equal(state.model.manifestSha256Short, 'abcdef012345');
  assert.equal(state.model.source, 'lock');
  assert.equal(state.model.verified, true);
  assert.equal(state.model.devMetrics[0].set, 'ade_dev');
  const unverified = buildPanelState({ ...base, model: { kind: 'bundle', name: 'raw', version: 'unverified', source: 'setting', workspace: { available: false, reason: 'x' } } });
  assert.ok(unverified.model.available);
  assert.equal(unverified.model.verified, false);
  assert.equal(unverified.model.manifestSha256Short, '');
  const missing = buildPanelState({ ...base, model: { kind: 'unavailable', reason: 'models/default/manifest.json: not found', source: 'default' } });
  assert.deepEqual(missing.model, { available: false, reason: 'models/default/manifest.json: not found', source: 'default' });
});

test('sync result text: counts from a sync result, errors, plain text, nothing', () => {
  assert.deepEqual(describeSyncResult({ pushed: 2, pulled: 1, conflicts: 1, deleted: 0, unchanged: 5, models: 0, errors: [], events: [] }), {
    ok: true,
    text: 'Synced: ↑ 2 pushed, ↓ 1 pulled, 1 conflict',
  });
  const failed = describeSyncResult({ pushed: 0, pulled: 0, conflicts: 0, errors: ['annotations/a.txt.json: access denied', 'x'] });
  assert.equal(failed.ok, false);
  assert.match(failed.text, /2 file\(s\) not synced: annotations\/a\.txt\.json: access denied/);
  assert.deepEqual(describeSyncResult('  Up to date  '), { ok: true, text: 'Up to date' });
  assert.deepEqual(describeSyncResult({ ok: false, message: 'no remote configured' }), { ok: false, text: 'no remote configured' });
  assert.equal(describeSyncResult(undefined).ok, false);
  assert.match(describeSyncResult(undefined).text, /no result/);
});
