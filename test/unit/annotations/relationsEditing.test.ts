import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { attributesFor, DEFAULT_LABEL_SCHEMA } from '../../../src/core/annotations/labelSchema';
import { attributeValue, attributeValueProblem, linkCandidates, linkProblem, relationLines, relationTypesFrom, suggestedLinks } from '../../../src/core/annotations/relationRules';
import { danglingRelations, parseSidecar, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { locator, span, storeFixture } from './helpers';

const NOTE = 'notes/r.txt';
const TEXT = 'Lisinopril 10 mg daily. She developed a dry cough and later angioedema; metoprolol was continued.';
const at = locator(TEXT);

const { setup, withWorkspace } = storeFixture({ saveDelayMs: 5, notes: { [NOTE]: TEXT }, settle: (store) => store.flush().catch(() => undefined) });

const onDisk = async (ws: string) => parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'x');

test('a relation and an attribute are each one undo step, written to the sidecar (version 2) and read back', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [drug, cough, other] = await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [at('Lisinopril')] },
      { label: 'ADE', fragments: [at('dry cough')] },
      { label: 'DRUG', fragments: [at('metoprolol')] },
    ]);
    const link = await store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: drug.id });
    assert.deepEqual([link.type, link.from, link.to, link.status, link.source, link.author], ['caused_by', cough.id, drug.id, 'accepted', 'human', 'ana']);
    assert.equal((await store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: drug.id })).id, link.id, 'the same link twice is one relation');
    await store.setAttribute(NOTE, [cough.id], 'assertion', 'absent');
    await store.flush();
    let saved = await onDisk(ws);
    assert.equal(saved.schemaVersion, 2);
    assert.deepEqual(saved.relations?.map((r) => [r.from, r.to]), [[cough.id, drug.id]]);
    assert.deepEqual(saved.spans.find((s) => s.id === cough.id)?.attributes, { assertion: 'absent' });

    assert.equal(await store.undo(NOTE), true, 'undo the attribute');
    assert.equal((await store.get(NOTE)).spans.find((s) => s.id === cough.id)?.attributes, undefined);
    assert.equal(await store.undo(NOTE), true, 'undo the link');
    assert.deepEqual((await store.get(NOTE)).relations, []);
    assert.equal(await store.redo(NOTE), true);
    assert.deepEqual((await store.get(NOTE)).relations?.map((r) => r.id), [link.id], 'redo brings the same relation back');

    await assert.rejects(store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: 'nope' }), /no span with id nope/);
    await assert.rejects(store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: cough.id }), /itself/);

    // Removing a linked span keeps the relation, dangling (another writer may bring the span back).
    await store.removeSpans(NOTE, [drug.id]);
    assert.deepEqual(danglingRelations(await store.get(NOTE)).map((d) => d.missing), [['to']]);
    assert.equal(await store.removeRelations(NOTE, [link.id, 'unknown']), 1);
    await store.setAttribute(NOTE, [cough.id], 'assertion', 'possible');
    await store.setAttribute(NOTE, [cough.id], 'assertion', undefined);
    await store.flush();
    saved = await onDisk(ws);
    assert.equal(saved.schemaVersion, 1, 'without relations or attributes the file is version 1 again');
    assert.equal(saved.spans.find((s) => s.id === cough.id)?.attributes, undefined);
    assert.ok(saved.spans.some((s) => s.id === other.id));
  });
});

test('relations follow the editor\'s edits through their spans; undo after an edit restores the relation list', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.open(NOTE, TEXT);
    const [drug, cough] = await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [at('Lisinopril')] },
      { label: 'ADE', fragments: [at('dry cough')] },
    ]);
    await store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: drug.id });
    store.applyEdits(NOTE, [{ offset: 0, deletedLength: 0, insertedText: 'Addendum.\n' }]);
    const moved = (await store.get(NOTE)).spans.find((s) => s.id === cough.id)!;
    assert.equal(moved.fragments[0][0], at('dry cough')[0] + 10);
    assert.deepEqual((await store.get(NOTE)).relations?.map((r) => [r.from, r.to]), [[cough.id, drug.id]], 'ids, not offsets: nothing to move');
    assert.equal(await store.undo(NOTE), true);
    assert.deepEqual((await store.get(NOTE)).relations, []);
  });
});

test('the schema says which links and values are allowed; candidates come nearest first', () => {
  const drug = span(TEXT, [at('Lisinopril')], 'DRUG');
  const cough = span(TEXT, [at('dry cough')], 'ADE');
  const angio = span(TEXT, [at('angioedema')], 'ADE');
  const metoprolol = span(TEXT, [at('metoprolol')], 'DRUG');
  const rejected = span(TEXT, [at('daily')], 'DRUG', { status: 'rejected' });
  const spans = [drug, cough, angio, metoprolol, rejected];
  const [causedBy] = relationTypesFrom(DEFAULT_LABEL_SCHEMA, 'ADE');
  assert.equal(causedBy.name, 'caused_by');
  assert.deepEqual(relationTypesFrom(DEFAULT_LABEL_SCHEMA, 'DRUG'), [], 'caused_by starts at an ADE');
  const existing = [{ id: 'r1', type: 'caused_by', from: angio.id, to: metoprolol.id, source: 'human', status: 'accepted' as const, author: 'a', createdAt: '', updatedAt: '' }];
  const candidates = linkCandidates(causedBy, angio, spans, existing);
  assert.deepEqual(candidates.map((c) => [c.span.id, c.linked]), [[metoprolol.id, true], [drug.id, false]], 'nearest first; rejected and other labels left out');
  assert.equal(candidates[0].distance, at('metoprolol')[0] - at('angioedema')[1]);
  assert.equal(linkProblem(DEFAULT_LABEL_SCHEMA, 'caused_by', cough, drug), undefined);
  assert.match(linkProblem(DEFAULT_LABEL_SCHEMA, 'caused_by', drug, cough)!, /starts at ADE, not DRUG/);
  assert.match(linkProblem(DEFAULT_LABEL_SCHEMA, 'treats', cough, drug)!, /no relation type "treats"/);

  const [assertion] = attributesFor(DEFAULT_LABEL_SCHEMA, 'ADE');
  assert.equal(assertion.name, 'assertion');
  assert.equal(attributeValue(cough, assertion), assertion.default);
  assert.equal(attributeValueProblem(assertion, 'absent'), undefined);
  assert.match(attributeValueProblem(assertion, 'maybe')!, /"maybe" is not a value of assertion/);

  const lines = relationLines(angio, spans, existing);
  assert.deepEqual(lines.map((l) => l.text), ['caused by metoprolol']);
  assert.deepEqual(relationLines(metoprolol, spans, existing).map((l) => l.text), ['angioedema caused by this']);
  assert.deepEqual(relationLines(angio, [angio], existing).map((l) => [l.text, l.other]), [['caused by a label that is no longer there', undefined]]);
});

test('Pre-annotate\'s caused_by links: from each new ADE suggestion to the nearest DRUG of its sentence, none for older ADEs or without the type', () => {
  const text = 'She developed angioedema secondary to lisinopril, which was stopped. Amoxicillin caused a rash.';
  const pos = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
  const angio = span(text, [pos('angioedema')], 'ADE', { status: 'suggested' });
  const lisinopril = span(text, [pos('lisinopril')], 'DRUG', { status: 'suggested' });
  const amox = span(text, [pos('Amoxicillin')], 'DRUG');
  const rash = span(text, [pos('rash')], 'ADE');
  const spans = [angio, lisinopril, amox, rash];
  assert.deepEqual(suggestedLinks(text, spans, new Set([angio.id, lisinopril.id]), DEFAULT_LABEL_SCHEMA), [{ type: 'caused_by', from: angio.id, to: lisinopril.id }]);
  assert.deepEqual(
    suggestedLinks(text, spans, new Set(spans.map((s) => s.id)), DEFAULT_LABEL_SCHEMA).map((l) => [l.from, l.to]),
    [[angio.id, lisinopril.id], [rash.id, amox.id]],
  );
  assert.deepEqual(suggestedLinks(text, spans, new Set([angio.id]), { ...DEFAULT_LABEL_SCHEMA, relations: [] }), [], 'no caused_by type in the schema');
  const rejectedDrug = { ...lisinopril, status: 'rejected' as const };
  assert.deepEqual(suggestedLinks(text, [angio, rejectedDrug], new Set([angio.id]), DEFAULT_LABEL_SCHEMA), [], 'a rejected drug is not linked');
});

test('suggested relations are accepted or rejected (kept, as a negative example) in one undo step', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    const [drug, cough] = await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [at('Lisinopril')] },
      { label: 'ADE', fragments: [at('dry cough')] },
    ]);
    const [suggested] = await store.addRelations(NOTE, [{ type: 'caused_by', from: cough.id, to: drug.id, source: 'model:m@1', status: 'suggested', score: 0.7 }]);
    assert.deepEqual([suggested.status, suggested.source, suggested.score], ['suggested', 'model:m@1', 0.7]);
    assert.equal(await store.setRelationStatus(NOTE, [suggested.id], 'rejected'), 1);
    assert.equal((await store.get(NOTE)).relations?.[0].status, 'rejected');
    assert.equal(await store.setRelationStatus(NOTE, [suggested.id], 'rejected'), 0, 'no change, no undo step');
    await store.undo(NOTE);
    assert.equal((await store.get(NOTE)).relations?.[0].status, 'suggested');
  });
});

test('a span or relation whose source the parser would refuse is not stored (the sidecar would be blocked for every writer)', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await assert.rejects(store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at('dry cough')], source: 'model:unknown' }]), /source must be .* not "model:unknown"/);
    const [drug, cough] = await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [at('Lisinopril')] },
      { label: 'ADE', fragments: [at('dry cough')] },
    ]);
    await assert.rejects(store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: drug.id, source: 'robot' }), /relation's source/);
    await store.flush();
    assert.equal((await onDisk(ws)).spans.length, 2, 'the file holds what was valid, and parses');
  });
});

test('links, attributes and editor edits arriving with no time between them: each lands, spans stay on their words, one undo step each', async () => {
  await withWorkspace(async (ws) => {
    const store = await setup(ws);
    await store.open(NOTE, TEXT);
    const [drug, cough, angio] = await store.addSpans(NOTE, TEXT, [
      { label: 'DRUG', fragments: [at('Lisinopril')] },
      { label: 'ADE', fragments: [at('dry cough')] },
      { label: 'ADE', fragments: [at('angioedema')] },
    ]);
    // As a script (or multi-cursor typing) sends them: nothing awaited in between.
    const pending = [
      store.addRelation(NOTE, { type: 'caused_by', from: cough.id, to: drug.id }),
      store.setAttribute(NOTE, [angio.id], 'assertion', 'possible'),
      store.addRelations(NOTE, [{ type: 'caused_by', from: angio.id, to: drug.id }]),
    ];
    let text = TEXT;
    for (const [offset, insertedText] of [[0, 'A. '], [TEXT.indexOf('She'), 'Later: '], [0, 'B. ']] as const) {
      store.applyEdits(NOTE, [{ offset, deletedLength: 0, insertedText }], (text = text.slice(0, offset) + insertedText + text.slice(offset)));
    }
    await Promise.all(pending);
    await store.noteSaved(NOTE, text);
    await store.flush();
    const saved = await onDisk(ws);
    const word = (id: string) => {
      const s = saved.spans.find((x) => x.id === id)!;
      return text.slice(s.fragments[0][0], s.fragments[0][1]);
    };
    assert.deepEqual([word(drug.id), word(cough.id), word(angio.id)], ['Lisinopril', 'dry cough', 'angioedema']);
    assert.deepEqual(saved.relations?.map((r) => [r.from, r.to]).sort(), [[angio.id, drug.id], [cough.id, drug.id]].sort());
    assert.equal(saved.spans.find((s) => s.id === angio.id)?.attributes?.assertion, 'possible');
    // Three actions, three undo steps (the edits are the editor's, not labelling actions).
    for (let i = 0; i < 3; i++) assert.equal(await store.undo(NOTE), true);
    const after = await store.get(NOTE);
    assert.deepEqual([after.relations, after.spans.find((s) => s.id === angio.id)?.attributes], [[], undefined]);
  });
});
