import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSidecar as parseAnnotationSidecar } from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { mergeSidecars, parseSidecar, type SidecarLike, type SpanLike } from '../../../src/core/sync/merge';
import { describeEvents } from '../../../src/core/sync/syncReport';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-02-01T00:00:00.000Z';
const T2 = '2024-03-01T00:00:00.000Z';

function span(id: string, start: number, extra: Partial<SpanLike> = {}): SpanLike {
  return {
    id,
    label: 'ADE',
    fragments: [[start, start + 4]],
    quote: { text: 'rash', prefix: '', suffix: '' },
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'a',
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function rel(id: string, from: string, to: string, extra: Partial<SpanLike> = {}): SpanLike {
  return { id, type: 'caused_by', from, to, source: 'human', status: 'accepted', author: 'a', createdAt: T0, updatedAt: T0, ...extra };
}

function car(spans: SpanLike[], relations?: SpanLike[]): SidecarLike {
  return { schemaVersion: relations ? 2 : 1, note: 'a.txt', noteSha256: '', done: false, spans, ...(relations ? { relations } : {}) };
}

const ADE = span('ade', 0);
const DRUG = span('drug', 10, { label: 'DRUG' });
const DRUG2 = span('drug2', 20, { label: 'DRUG' });
const R = rel('r1', 'ade', 'drug');
const ids = (rs: SpanLike[] | undefined) => (rs ?? []).map((r) => r.id);

describe('mergeSidecars: relations', () => {
  it('a relation added on one side is taken, and the file becomes version 2', () => {
    const m = mergeSidecars(car([ADE, DRUG]), car([ADE, DRUG]), car([ADE, DRUG], [R]));
    assert.deepEqual(m.merged.relations, [R]);
    assert.equal(m.merged.schemaVersion, 2);
    assert.equal(m.conflicts, 0);
  });

  it('relations added on both sides both survive; the same relation added on both is taken once', () => {
    const R2 = rel('r2', 'ade', 'drug2');
    const m = mergeSidecars(car([ADE, DRUG, DRUG2]), car([ADE, DRUG, DRUG2], [R]), car([ADE, DRUG, DRUG2], [R2, R]));
    assert.deepEqual(ids(m.merged.relations), ['r1', 'r2']);
    assert.deepEqual(m.events, []);
  });

  it('a deletion on one side wins over an untouched relation; an edit on one side wins', () => {
    assert.deepEqual(mergeSidecars(car([ADE, DRUG], [R]), car([ADE, DRUG], []), car([ADE, DRUG], [R])).merged.relations, []);
    const accepted = { ...R, status: 'rejected', updatedAt: T1 };
    assert.deepEqual(mergeSidecars(car([ADE, DRUG], [R]), car([ADE, DRUG], [R]), car([ADE, DRUG], [accepted])).merged.relations, [accepted]);
  });

  it('two different changes to one relation are a conflict that keeps both, each naming the other', () => {
    const mine = { ...R, to: 'drug2', updatedAt: T1 };
    const theirs = { ...R, status: 'rejected', updatedAt: T2 };
    const m = mergeSidecars(car([ADE, DRUG, DRUG2], [R]), car([ADE, DRUG, DRUG2], [mine]), car([ADE, DRUG, DRUG2], [theirs]));
    assert.equal(m.conflicts, 1);
    const [event] = m.events;
    assert.equal(event.kind, 'conflict');
    assert.equal(event.kind === 'conflict' && event.item, 'relation');
    const local = m.merged.relations!.find((r) => r.id === 'r1')!;
    const copy = m.merged.relations!.find((r) => r.id !== 'r1')!;
    assert.deepEqual(local, { ...mine, conflict: copy.id });
    assert.deepEqual(copy, { ...theirs, id: copy.id, conflict: 'r1' });
    assert.equal('flags' in copy, false, 'relations carry no flags');
    assert.match(describeEvents([{ key: 'annotations/a.txt.json', kind: 'merge', event }])[0], /relation r1 changed on both sides; both kept/);
    // The merged file is still a valid sidecar for the annotation store.
    const parsed = parseAnnotationSidecar(JSON.stringify(m.merged), 'merged.json');
    assert.equal(parsed.relations!.length, 2);
  });

  it('deleted on one side and edited on the other keeps the edit and reports it', () => {
    const edited = { ...R, status: 'rejected', updatedAt: T1 };
    const m = mergeSidecars(car([ADE, DRUG], [R]), car([ADE, DRUG], []), car([ADE, DRUG], [edited]));
    assert.deepEqual(m.merged.relations, [edited]);
    assert.deepEqual(m.events, [{ kind: 'deleteVsEdit', spanId: 'r1', kept: 'remote', item: 'relation' }]);
  });

  it('a span deleted on one side while the other links it: the relation is kept (dangling), nothing is lost', () => {
    const m = mergeSidecars(car([ADE, DRUG]), car([ADE]), car([ADE, DRUG], [R]));
    assert.deepEqual(ids(m.merged.spans), ['ade']);
    assert.deepEqual(m.merged.relations, [R]);
  });

  it('sidecars without relations on any side merge exactly as before (no relations field)', () => {
    const m = mergeSidecars(car([ADE]), car([ADE, DRUG]), car([ADE]));
    assert.equal('relations' in m.merged, false);
    assert.equal(m.merged.schemaVersion, 1);
  });

  it('parseSidecar checks relations like spans: objects with a unique string id', () => {
    assert.throws(() => parseSidecar(JSON.stringify(car([ADE], [R, R])), 'f.json'), (e: unknown) => e instanceof InputError && /relation id "r1" appears twice/.test(e.problem));
    assert.throws(() => parseSidecar(JSON.stringify({ spans: [], relations: {} }), 'f.json'), /"relations" to be an array/);
    assert.throws(() => parseSidecar(JSON.stringify({ spans: [], relations: [{ type: 'x' }] }), 'f.json'), /relations\[0\] has no string "id"/);
  });
});

describe('mergeSidecars: attributes', () => {
  const base = span('ade', 0, { attributes: { assertion: 'present' } });

  it('an attribute set on one side and the label changed on the other: both taken, no conflict', () => {
    const mine = { ...base, label: 'DRUG', author: 'me', updatedAt: T1 };
    const theirs = { ...base, attributes: { assertion: 'absent' }, author: 'them', updatedAt: T2 };
    const m = mergeSidecars(car([base]), car([mine]), car([theirs]));
    assert.equal(m.conflicts, 0);
    assert.deepEqual(m.merged.spans, [{ ...base, label: 'DRUG', attributes: { assertion: 'absent' }, author: 'them', updatedAt: T2 }]);
  });

  it('different attributes set on the two sides are merged per attribute', () => {
    const mine = { ...base, attributes: { assertion: 'present', severity: 'severe' }, updatedAt: T2 };
    const theirs = { ...base, attributes: { assertion: 'hypothetical' }, updatedAt: T1 };
    const m = mergeSidecars(car([base]), car([mine]), car([theirs]));
    assert.equal(m.conflicts, 0);
    assert.deepEqual(m.merged.spans[0].attributes, { assertion: 'hypothetical', severity: 'severe' });
    assert.equal(m.merged.spans[0].updatedAt, T2);
  });

  it('an attribute removed on one side and untouched on the other is removed', () => {
    const mine = { ...base, attributes: undefined, updatedAt: T1 };
    delete mine.attributes;
    const theirs = { ...base, label: 'DRUG', updatedAt: T1 };
    const m = mergeSidecars(car([base]), car([mine]), car([theirs]));
    assert.equal(m.conflicts, 0);
    assert.equal(m.merged.spans[0].label, 'DRUG');
    assert.equal('attributes' in m.merged.spans[0], false);
  });

  it('the same attribute set to two different values is a conflict that keeps both versions', () => {
    const mine = { ...base, attributes: { assertion: 'absent' }, updatedAt: T1 };
    const theirs = { ...base, attributes: { assertion: 'possible' }, updatedAt: T2 };
    const m = mergeSidecars(car([base]), car([mine]), car([theirs]));
    assert.equal(m.conflicts, 1);
    assert.deepEqual(m.merged.spans.map((s) => (s.attributes as Record<string, string>).assertion).sort(), ['absent', 'possible']);
    assert.ok(m.merged.spans.every((s) => (s.flags as string[]).includes('conflict') && typeof s.conflict === 'string'));
  });

  it('an attribute change against a conflicting change of the rest (label on both sides) is still a conflict', () => {
    const mine = { ...base, label: 'DRUG', attributes: { assertion: 'absent' }, updatedAt: T1 };
    const theirs = { ...base, label: 'SYMPTOM', updatedAt: T2 };
    assert.equal(mergeSidecars(car([base]), car([mine]), car([theirs])).conflicts, 1);
  });
});
