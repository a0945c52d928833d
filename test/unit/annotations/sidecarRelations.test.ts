import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import {
  AnnotationRelation,
  Sidecar,
  danglingRelations,
  parseSidecar,
  serializeSidecar,
  sha256,
  sidecarPathFor,
} from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { span, withTempDir, writeFile } from './helpers';

const text = 'Severe rash after amoxicillin; no nausea.';
const FILE = '/ws/.sidelight/annotations/notes/a.txt.json';
const T = '2025-01-01T00:00:00.000Z';

function relation(from: string, to: string, extra: Partial<AnnotationRelation> = {}): AnnotationRelation {
  return { id: `r-${from}-${to}`, type: 'caused_by', from, to, source: 'human', status: 'accepted', author: 'ana', createdAt: T, updatedAt: T, ...extra };
}

function withRelations(): Sidecar {
  const rash = span(text, [[0, 11]], 'ADE', { attributes: { severity: 'severe', assertion: 'present' } });
  const drug = span(text, [[18, 29]], 'DRUG');
  const nausea = span(text, [[34, 40]], 'ADE', { attributes: { assertion: 'absent' } });
  return {
    schemaVersion: 2,
    note: 'notes/a.txt',
    noteSha256: '',
    done: false,
    spans: [rash, drug, nausea],
    relations: [relation(rash.id, drug.id, { source: 'model:sidelight-ade@1.0.0', status: 'suggested', score: 0.5 })],
  };
}

function problemOf(raw: string): InputError {
  try {
    parseSidecar(raw, FILE);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.file, FILE);
    return e;
  }
  assert.fail('expected an InputError');
}

test('attributes and relations round-trip, one relation per line, and make the file version 2', () => {
  const original = withRelations();
  const raw = serializeSidecar(original);
  const lines = raw.split('\n');
  assert.equal(lines[1], '  "schemaVersion": 2,');
  assert.match(lines[6], /"attributes":\{"assertion":"present","severity":"severe"\}\}/, 'attribute names sorted');
  assert.equal(lines[10], '  "relations": [');
  assert.match(lines[11], /^ {4}\{"id":"r-s\d+-s\d+","type":"caused_by","from":"s\d+","to":"s\d+","source":"model:sidelight-ade@1.0.0","status":"suggested",.*"score":0.5\}$/);
  const back = parseSidecar(raw, FILE);
  assert.deepEqual(back, original);
  assert.equal(serializeSidecar(back), raw, 'stable output');
});

test('an older sidecar (version 1, no attributes, no relations) loads and is written back byte for byte', () => {
  const v1 =
    '{\n  "schemaVersion": 1,\n  "note": "notes/a.txt",\n  "noteSha256": "",\n  "done": true,\n  "spans": [\n' +
    '    {"id":"0b7c","label":"ADE","fragments":[[0,11]],"quote":{"text":"Severe rash","prefix":"","suffix":" after amoxicillin; no nausea"},"source":"human","status":"accepted","flags":[],"author":"ana","createdAt":"2025-01-02T10:00:00.000Z","updatedAt":"2025-01-02T10:00:00.000Z"}\n' +
    '  ]\n}\n';
  const parsed = parseSidecar(v1, FILE);
  assert.equal(parsed.schemaVersion, 1);
  assert.equal(parsed.relations, undefined);
  assert.equal(parsed.spans[0].attributes, undefined);
  assert.equal(serializeSidecar(parsed), v1);
});

test('removing the last relation and attribute writes version 1 again (readable by a Sidelight without relations)', () => {
  const s = withRelations();
  const bare: Sidecar = { ...s, relations: [], spans: s.spans.map(({ attributes: _a, ...rest }) => rest) };
  const raw = serializeSidecar(bare);
  assert.match(raw, /"schemaVersion": 1,/);
  assert.doesNotMatch(raw, /relations|attributes/);
});

test('a relation whose end span is missing is kept and reported as dangling, not dropped', () => {
  const s = withRelations();
  const [rash, drug] = s.spans;
  s.relations!.push(relation(rash.id, 'gone'), relation('gone-too', 'gone'));
  const back = parseSidecar(serializeSidecar(s), FILE);
  assert.equal(back.relations!.length, 3);
  const dangling = danglingRelations(back);
  assert.deepEqual(
    dangling.map((d) => [d.relation.from, d.relation.to, d.missing]),
    [[rash.id, 'gone', ['to']], ['gone-too', 'gone', ['from', 'to']]].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
  );
  assert.ok(!dangling.some((d) => d.relation.to === drug.id));
});

test('malformed relations are reported with the file, the line of the relation and the problem', () => {
  const raw = serializeSidecar(withRelations());
  const e = problemOf(raw.replace('"status":"suggested"', '"status":"maybe"'));
  assert.equal(e.line, 12);
  assert.match(e.problem, /relation 1: "status" must be "suggested", "accepted" or "rejected"/);
  assert.match(problemOf(raw.replace('"type":"caused_by"', '"type":"caused by"')).problem, /relation 1: the type "caused by" must be .* without spaces/);
  assert.match(problemOf(raw.replace(/"to":"s\d+"/, '"to":""')).problem, /relation 1: "to" must be a non-empty string/);
  assert.match(problemOf(raw.replace('"score":0.5', '"score":2')).problem, /relation 1: "score" must be a number in \[0, 1\]/);
  assert.match(problemOf(raw.replace(/"relations": \[\n.*\n {2}\]/, '"relations": {}')).problem, /"relations" must be an array/);
  const s = withRelations();
  s.relations!.push({ ...s.relations![0], to: s.spans[2].id });
  const dup = problemOf(serializeSidecar(s));
  assert.match(dup.problem, /relation 2: duplicate id/);
  assert.equal(dup.line, 13);
});

test('malformed attributes are reported with the span and the problem', () => {
  const raw = serializeSidecar(withRelations());
  const e = problemOf(raw.replace('"attributes":{"assertion":"absent"}', '"attributes":{"assertion":3}'));
  assert.equal(e.line, 9);
  assert.match(e.problem, /span 3: attribute "assertion": the value must be a non-empty string/);
  assert.match(problemOf(raw.replace('"attributes":{"assertion":"absent"}', '"attributes":["absent"]')).problem, /span 3: "attributes" must be an object/);
  assert.match(problemOf(raw.replace('"attributes":{"assertion":"absent"}', '"attributes":{"has space":"x"}')).problem, /attribute name "has space"/);
  assert.match(problemOf(raw.replace('"attributes":{"assertion":"absent"}', '"attributes":{"severity":""}')).problem, /non-empty string/);
});

test('a free-valued attribute may hold spaces; an empty attributes object is dropped', () => {
  const s = withRelations();
  s.spans[0].attributes = { severity: 'very severe' };
  s.spans[1].attributes = {};
  const back = parseSidecar(serializeSidecar(s), FILE);
  assert.deepEqual(back.spans.find((x) => x.id === s.spans[0].id)!.attributes, { severity: 'very severe' });
  assert.equal(back.spans.find((x) => x.id === s.spans[1].id)!.attributes, undefined);
});

test('a sidecar from a newer Sidelight (version 4) is refused, naming the versions this one reads', () => {
  assert.match(problemOf(serializeSidecar(withRelations()).replace('"schemaVersion": 2', '"schemaVersion": 4')).problem, /newer Sidelight; this one reads versions up to 3/);
});

test('the annotation store keeps relations and attributes it does not know about through its own writes', async () => {
  await withTempDir(async (ws) => {
    await writeFile(ws, 'notes/a.txt', text);
    const s = withRelations();
    s.noteSha256 = sha256(text);
    await writeFile(ws, '.sidelight/annotations/notes/a.txt.json', serializeSidecar(s));
    const store = new AnnotationStore(ws, { author: 'bo', saveDelayMs: 0 });
    await store.open('notes/a.txt', text);
    await store.addSpans('notes/a.txt', text, [{ label: 'ADE', fragments: [[37, 40]] }]);
    await store.changeLabel('notes/a.txt', [s.spans[0].id], 'ADE');
    await store.flush();
    const back = parseSidecar(await fs.readFile(sidecarPathFor(ws, 'notes/a.txt'), 'utf8'), FILE);
    assert.equal(back.schemaVersion, 2);
    assert.deepEqual(back.relations, s.relations);
    assert.deepEqual(back.spans.find((x) => x.id === s.spans[0].id)!.attributes, { assertion: 'present', severity: 'severe' });
    assert.equal(back.spans.length, 4);
    store.dispose();
  });
});
