import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { exportBratDoc, parseBratAnn } from '../../../src/core/annotations/formats/brat';
import { exportSpacy, parseSpacy } from '../../../src/core/annotations/formats/spacy';
import { exportJsonl, parseJsonl } from '../../../src/core/annotations/formats/jsonl';
import { getFormat, type Doc } from '../../../src/core/annotations/formats';
import { exportWorkspace, importFile, type WorkspaceExport } from '../../../src/core/annotations/importExport';
import { parseSidecar, serializeSidecar, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { fixture, withTempDir, writeFile } from './helpers';

interface AdeRow {
  id: string;
  text: string;
  spans: { label: string; start: number; end: number; text: string }[];
  relations: { label: string; from: number; to: number }[];
}

const ADE: AdeRow[] = readFileSync(fixture('corpora', 'ade-relations-sample.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as AdeRow);

/** The corpus rows as interchange rows of notes `notes/<id>.txt`. */
const rows = ADE.map((r) => ({ file: `notes/${r.id}.txt`, text: r.text, spans: r.spans, relations: r.relations }));

/** A relation as text, independent of span order and ids: `caused_by ADE[143,168) -> DRUG[91,109)`. */
function relationKeys(docs: { file?: string; note?: string; spans: unknown[]; relations?: { label?: string; type?: string; from: number; to: number }[] }[]): string[] {
  const out = new Set<string>();
  for (const d of docs) {
    const spanKey = (k: number) => {
      const s = d.spans[k] as { label: string; start?: number; end?: number; fragments?: [number, number][] };
      const [a, b] = s.fragments ? [s.fragments[0][0], s.fragments[s.fragments.length - 1][1]] : [s.start, s.end];
      return `${s.label}[${a},${b})`;
    };
    for (const r of d.relations ?? []) out.add(`${d.file ?? d.note} ${r.label ?? r.type} ${spanKey(r.from)} -> ${spanKey(r.to)}`);
  }
  return [...out].sort();
}

const EXPECTED = relationKeys(rows);

async function workspace(ws: string): Promise<void> {
  for (const r of rows) await writeFile(ws, r.file, r.text);
}

async function importJsonlRows(ws: string, content: string) {
  const file = path.join(ws, '..', `${path.basename(ws)}-in.jsonl`);
  await fs.writeFile(file, content);
  return importFile(ws, 'jsonl', file);
}

function textOf(out: WorkspaceExport): string {
  assert.equal(out.output.kind, 'text');
  return out.output.kind === 'text' ? out.output.text : '';
}

test('the sample is real ADE corpus rows with their drug–effect relations', () => {
  assert.equal(rows.length, 30);
  assert.equal(EXPECTED.length, 72);
  assert.ok(ADE.every((r) => r.relations.every((x) => r.spans[x.from].label === 'ADE' && r.spans[x.to].label === 'DRUG')));
});

test('jsonl: ADE rows with relations import, export back with the same relations, and a second import adds nothing', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    await workspace(ws);
    const content = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const first = await importJsonlRows(ws, content);
    assert.deepEqual(first.errors, []);
    assert.equal(first.relationsAdded, 72);
    const sidecar = parseSidecar(await fs.readFile(sidecarPathFor(ws, rows[0].file), 'utf8'), 'x');
    assert.equal(sidecar.schemaVersion, 2);
    assert.ok(sidecar.relations!.every((r) => r.type === 'caused_by' && r.source === 'import' && r.status === 'accepted'));
    const out = await exportWorkspace(ws, 'jsonl');
    assert.deepEqual(out.errors, []);
    assert.equal(out.relations, 72);
    const exported = textOf(out).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(relationKeys(exported), EXPECTED);
    assert.ok(exported.every((r: { relations: { label: string }[] }) => r.relations.every((x) => x.label === 'caused_by')), 'the corpus form {"label", "from", "to"}');
    const second = await importJsonlRows(ws, content);
    assert.equal(second.relationsAdded, 0);
    assert.equal(second.relationsDuplicate, 72);
  });
});

test('brat: R lines (Arg1 the effect, Arg2 the drug) round-trip the ADE relations through a fresh workspace', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    await workspace(ws);
    await importJsonlRows(ws, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = await exportWorkspace(ws, 'brat');
    assert.equal(out.output.kind, 'files');
    const files = out.output.kind === 'files' ? out.output.files : new Map<string, string>();
    const ann = files.get(`notes/${ADE[0].id}.ann`)!;
    assert.match(ann, /^R1\tcaused_by Arg1:T2 Arg2:T1$/m, ann);
    const bratDir = path.join(root, 'brat');
    for (const [rel, content] of files) await writeFile(bratDir, rel, content);
    const ws2 = path.join(root, 'ws2');
    await workspace(ws2);
    const report = await importFile(ws2, 'brat', bratDir);
    assert.deepEqual(report.errors, []);
    assert.equal(report.relationsAdded, 72);
    assert.deepEqual(relationKeys(textOf(await exportWorkspace(ws2, 'jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l))), EXPECTED);
  });
});

test('spaCy: rel.manual rows (tokens, head/child = last token of each span) round-trip the ADE relations', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    await workspace(ws);
    await importJsonlRows(ws, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const text = textOf(await exportWorkspace(ws, 'spacy'));
    const first = JSON.parse(text.split('\n').find((l) => l.includes(ADE[0].id))!);
    // "… dihydrotachysterol by rifampicin, could have led to increased calcium-release …"
    const tokenText = (i: number) => first.tokens[i].text;
    assert.equal(first.relations.length, 1);
    const [rel] = first.relations;
    assert.equal(rel.label, 'caused_by');
    assert.equal(tokenText(rel.head), 'release', 'head: the last token of the ADE "increased calcium-release"');
    assert.equal(tokenText(rel.child), 'dihydrotachysterol');
    assert.deepEqual(rel.head_span, { start: 143, end: 168, token_start: rel.head - 3, token_end: rel.head, label: 'ADE' });
    assert.ok(first.spans.every((s: { token_start: number; token_end: number }) => s.token_start <= s.token_end));
    const file = path.join(root, 'rel.jsonl');
    await fs.writeFile(file, text);
    const ws2 = path.join(root, 'ws2');
    await workspace(ws2);
    const report = await importFile(ws2, 'spacy', file);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(relationKeys(textOf(await exportWorkspace(ws2, 'jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l))), EXPECTED);
  });
});

test('spaCy import finds relation ends by head/child tokens alone when a row has no head_span/child_span', () => {
  const text = 'Rash after penicillin.';
  const row = {
    text,
    tokens: [
      { text: 'Rash', start: 0, end: 4, id: 0, ws: true },
      { text: 'after', start: 5, end: 10, id: 1, ws: true },
      { text: 'penicillin', start: 11, end: 21, id: 2, ws: false },
      { text: '.', start: 21, end: 22, id: 3, ws: false },
    ],
    spans: [
      { start: 0, end: 4, label: 'ADE' },
      { start: 11, end: 21, label: 'DRUG' },
    ],
    relations: [{ head: 0, child: 2, label: 'caused_by' }],
    meta: { file: 'a.txt' },
  };
  const parsed = parseSpacy(JSON.stringify(row), 'x.jsonl');
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual(parsed.docs[0].relations, [{ type: 'caused_by', from: 0, to: 1 }]);
  const bad = parseSpacy(JSON.stringify({ ...row, relations: [{ head: 1, child: 2, label: 'caused_by' }] }), 'x.jsonl');
  assert.match(bad.errors[0].message, /x\.jsonl:1: relation 1: its head \(1\) is not one of the row's spans/);
  assert.equal(bad.docs.length, 0);
});

test('CoNLL export leaves relations and attributes out and says how many', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    await workspace(ws);
    const withAttr = rows.map((r, i) => (i === 0 ? { ...r, spans: r.spans.map((s) => ({ ...s, attributes: { assertion: 'present' } })) } : r));
    await importJsonlRows(ws, withAttr.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = await exportWorkspace(ws, 'conll');
    assert.ok(out.warnings.includes('72 relations left out (CoNLL BIO cannot hold relations; use jsonl, brat or spacy)'), out.warnings.join('\n'));
    assert.ok(out.warnings.includes(`${rows[0].spans.length} attribute values left out (CoNLL BIO cannot hold attributes; use jsonl, brat or spacy)`), out.warnings.join('\n'));
  });
});

const note: Doc = {
  note: 'a.txt',
  text: 'No rash. Severe nausea after cisplatin; her mother had hives on it.',
  spans: [
    { label: 'ADE', fragments: [[3, 7]], attributes: { assertion: 'absent' } },
    { label: 'ADE', fragments: [[9, 22]], attributes: { assertion: 'present', severity: 'severe' } },
    { label: 'DRUG', fragments: [[29, 38]] },
    { label: 'ADE', fragments: [[55, 60]], attributes: { assertion: 'associated_with_someone_else', severity: 'quite bad' } },
  ],
  relations: [
    { type: 'caused_by', from: 1, to: 2 },
    { type: 'caused_by', from: 3, to: 2 },
  ],
};

test('attributes and relations round-trip through jsonl, brat (A and R lines) and spaCy', () => {
  const viaJsonl = parseJsonl(exportJsonl([note]), 'x.jsonl');
  assert.deepEqual(viaJsonl.errors, []);
  assert.deepEqual(viaJsonl.docs[0], note);

  const brat = exportBratDoc(note.text, note.spans, note.relations);
  assert.match(brat.ann, /^A1\tassertion T1 absent$/m);
  assert.match(brat.ann, /^R1\tcaused_by Arg1:T2 Arg2:T3$/m);
  assert.equal(brat.leftOut.attributes, 1, '"quite bad" holds a space: no place in an A line');
  const viaBrat = parseBratAnn(brat.ann, note.text, 'a.ann');
  assert.deepEqual(viaBrat.errors, []);
  assert.deepEqual(viaBrat.relations, note.relations);
  assert.deepEqual(viaBrat.spans[3].attributes, { assertion: 'associated_with_someone_else' });
  assert.deepEqual(viaBrat.spans.slice(0, 3), note.spans.slice(0, 3));

  const viaSpacy = parseSpacy(exportSpacy([note]), 'x.jsonl');
  assert.deepEqual(viaSpacy.errors, []);
  assert.deepEqual(viaSpacy.docs[0].spans, note.spans);
  assert.deepEqual(viaSpacy.docs[0].relations, note.relations);
  assert.deepEqual(getFormat('brat').exportDocs([note]).warnings, ['1 attribute value left out (brat writes a value as one word; these hold spaces)']);
});

test('brat import: binary and M attributes, relations before their spans, and a relation naming a missing span', () => {
  const text = 'Rash after penicillin.';
  const ann = 'R1\tcaused_by Arg1:T1 Arg2:T2\nT1\tADE 0 4\tRash\nT2\tDRUG 11 21\tpenicillin\nA1\tNegated T1\nM2\tseverity T1 mild\nR2\tcaused_by Arg1:T1 Arg2:T9\nR3\tcaused_by T1\n#1\tAnnotatorNotes T1\tchecked\n';
  const parsed = parseBratAnn(ann, text, 'a.ann');
  assert.deepEqual(parsed.relations, [{ type: 'caused_by', from: 0, to: 1 }]);
  assert.deepEqual(parsed.spans[0].attributes, { Negated: 'true', severity: 'mild' });
  assert.deepEqual(
    parsed.errors.map((e) => e.message),
    ['a.ann:6: R2 names T9, which is not a text-bound annotation of this file (or one that could not be read)', 'a.ann:7: cannot read "caused_by T1" as "<type> Arg1:<T id> Arg2:<T id>"'],
  );
});

test('jsonl import refuses a relation whose index is not one of the row\'s spans, naming the line', () => {
  const row = (relations: unknown) => JSON.stringify({ file: 'a.txt', text: 'Rash after penicillin.', spans: [{ label: 'ADE', start: 0, end: 4 }, { label: 'DRUG', start: 11, end: 21 }], relations });
  const parsed = parseJsonl(`${row([{ label: 'caused_by', from: 0, to: 1 }])}\n${row([{ label: 'caused_by', from: 0, to: 2 }])}\n${row([{ label: 'caused by', from: 0, to: 1 }])}\n`, 'in.jsonl');
  assert.equal(parsed.docs.length, 1);
  assert.match(parsed.errors[0].message, /in\.jsonl:2: relation 1: "to" must be the index of one of the row's 2 spans \(0 to 1\), not 2/);
  assert.match(parsed.errors[1].message, /in\.jsonl:3: relation 1: "label" must be a relation type without spaces/);
});

test('export leaves out rejected, unreviewed and dangling relations and those whose span is left out, and counts them', async () => {
  await withTempDir(async (ws) => {
    await writeFile(ws, note.note, note.text);
    const store = new AnnotationStore(ws, { author: 't', saveDelayMs: 0 });
    await store.open(note.note, note.text);
    const [nausea, drug, rash] = await store.addSpans(note.note, note.text, [
      { label: 'ADE', fragments: [[9, 22]] },
      { label: 'DRUG', fragments: [[29, 38]] },
      { label: 'ADE', fragments: [[3, 7]], status: 'rejected' },
    ]);
    await store.flush();
    store.dispose();
    const file = sidecarPathFor(ws, note.note);
    const sidecar = parseSidecar(await fs.readFile(file, 'utf8'), file);
    const t = '2025-01-01T00:00:00.000Z';
    const rel = (id: string, from: string, to: string, status: 'accepted' | 'suggested' | 'rejected' = 'accepted') => ({ id, type: 'caused_by', from, to, source: 'human', status, author: 't', createdAt: t, updatedAt: t });
    sidecar.relations = [rel('kept', nausea.id, drug.id), rel('no', nausea.id, drug.id, 'rejected'), rel('maybe', nausea.id, drug.id, 'suggested'), rel('gone', 'deleted-span', drug.id), rel('rash', rash.id, drug.id)];
    await fs.writeFile(file, serializeSidecar(sidecar));
    const out = await exportWorkspace(ws, 'jsonl');
    assert.equal(out.relations, 1);
    assert.equal(out.skipped.relations, 4);
    assert.ok(out.warnings.some((w) => /^4 relations left out/.test(w)));
    assert.deepEqual(JSON.parse(textOf(out)).relations, [{ label: 'caused_by', from: 0, to: 1 }]);
    const withSuggested = await exportWorkspace(ws, 'jsonl', { includeSuggested: true });
    assert.equal(withSuggested.relations, 2);
  });
});

test('import keeps an attribute a span already has and sets the ones it lacks', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    await writeFile(ws, note.note, note.text);
    const one = (attributes: Record<string, string>) =>
      JSON.stringify({ file: note.note, text: note.text, spans: [{ label: 'ADE', start: 9, end: 22, attributes }] }) + '\n';
    const first = await importJsonlRows(ws, one({ assertion: 'possible' }));
    assert.equal(first.attributesSet, 1);
    const second = await importJsonlRows(ws, one({ assertion: 'present', severity: 'severe' }));
    assert.equal(second.attributesSet, 1);
    assert.equal(second.attributesKept, 1);
    const sidecar = parseSidecar(await fs.readFile(sidecarPathFor(ws, note.note), 'utf8'), 'x');
    assert.deepEqual(sidecar.spans[0].attributes, { assertion: 'possible', severity: 'severe' });
  });
});
