import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { OffsetConverter } from '../../../src/core/annotations/codePoints';
import { exportBratAnn, parseBratAnn } from '../../../src/core/annotations/formats/brat';
import { tokenize } from '../../../src/core/annotations/formats/conll';
import { FORMATS, FORMAT_NAMES, getFormat } from '../../../src/core/annotations/formats';
import { exportWorkspace, importFile } from '../../../src/core/annotations/importExport';
import { Fragment } from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { fixture, withTempDir, writeFile } from './helpers';

interface Row {
  file: string;
  text: string;
  spans: { label: string; start: number; end: number; text: string; fragments?: Fragment[] }[];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** ADE rows as interchange rows, one note per row. */
function adeRows(limit: number): Row[] {
  return readJsonl<{ id: string; text: string; spans: Row['spans'] }>(fixture('corpora', 'ade-dev-sample.jsonl'))
    .slice(0, limit)
    .map((r) => ({ file: `notes/${r.id}.txt`, text: r.text, spans: r.spans }));
}

/** TAC sections as interchange rows; mentions keep their (discontinuous) fragments and their type as label. */
function tacRows(): Row[] {
  type Tac = { id: string; text: string; mentions: { type: string; fragments: Fragment[]; text: string }[] };
  return readJsonl<Tac>(fixture('corpora', 'tac2017-adr-sample.jsonl')).map((r) => ({
    file: `labels/${r.id}.txt`,
    text: r.text,
    spans: r.mentions.map((m) => ({
      label: m.type,
      start: m.fragments[0][0],
      end: m.fragments[m.fragments.length - 1][1],
      text: m.text,
      ...(m.fragments.length > 1 ? { fragments: m.fragments } : {}),
    })),
  }));
}

/** What an export should give back for rows: spans sorted, identical ones (label + fragments) once. */
function canonical(rows: Row[]): Row[] {
  return [...rows]
    .sort((a, b) => (a.file < b.file ? -1 : 1))
    .map((r) => {
      const seen = new Set<string>();
      const spans = [...r.spans]
        .sort(
          (a, b) =>
            a.start - b.start ||
            a.end - b.end ||
            (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) ||
            compareFragmentLists(a.fragments ?? [[a.start, a.end]], b.fragments ?? [[b.start, b.end]]),
        )
        .filter((s) => {
          const key = `${s.label}|${JSON.stringify(s.fragments ?? [[s.start, s.end]])}`;
          return !seen.has(key) && seen.add(key) !== undefined;
        });
      return { file: r.file, text: r.text, spans };
    });
}

function compareFragmentLists(a: Fragment[], b: Fragment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i][0] - b[i][0] || a[i][1] - b[i][1];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

async function workspaceWith(ws: string, rows: Row[]): Promise<void> {
  for (const r of rows) await writeFile(ws, r.file, r.text);
}

async function exportedRows(ws: string): Promise<Row[]> {
  const out = await exportWorkspace(ws, 'jsonl');
  assert.equal(out.output.kind, 'text');
  assert.deepEqual(out.errors, []);
  return out.output.kind === 'text' ? out.output.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
}

async function importRows(ws: string, rows: Row[], format = 'jsonl') {
  const file = path.join(ws, '..', `${path.basename(ws)}-import.jsonl`);
  await fs.writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  try {
    return await importFile(ws, format, file);
  } finally {
    await fs.rm(file, { force: true });
  }
}

test('the registry maps each format name to an importer/exporter with its offset unit', () => {
  assert.deepEqual(FORMAT_NAMES, ['jsonl', 'brat', 'spacy', 'conll']);
  assert.deepEqual(FORMAT_NAMES.map((n) => FORMATS[n].offsetUnit), ['utf16', 'codepoint', 'codepoint', 'token']);
  assert.throws(() => getFormat('constructor'), InputError);
});

test('jsonl round-trip on ADE data: import then export gives the rows back; a second import adds nothing', async () => {
  await withTempDir(async (ws) => {
    const rows = adeRows(50);
    await workspaceWith(ws, rows);
    const first = await importRows(ws, rows);
    assert.deepEqual(first.errors, []);
    const total = rows.reduce((n, r) => n + r.spans.length, 0);
    assert.equal(first.added, total);
    const exported = await exportedRows(ws);
    // Rows without spans have no sidecar, so they are not exported.
    assert.deepEqual(exported, canonical(rows.filter((r) => r.spans.length > 0)));
    const second = await importRows(ws, rows);
    assert.equal(second.added, 0);
    assert.equal(second.duplicates, total);
  });
});

test('jsonl round-trip on TAC sections keeps discontinuous mentions as fragments', async () => {
  await withTempDir(async (ws) => {
    const rows = tacRows();
    assert.ok(rows.some((r) => r.spans.some((s) => s.fragments)), 'the sample has discontinuous mentions');
    await workspaceWith(ws, rows);
    const report = await importRows(ws, rows);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(await exportedRows(ws), canonical(rows));
  });
});

test('brat round-trip on TAC sections: .ann beside .txt, discontinuous "s e;s e", back to the same spans', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    const rows = tacRows();
    await workspaceWith(ws, rows);
    await importRows(ws, rows);
    const out = await exportWorkspace(ws, 'brat');
    assert.equal(out.output.kind, 'files');
    if (out.output.kind !== 'files') return;
    const files = out.output.files;
    assert.equal(files.size, rows.length * 2);
    const someAnn = files.get(`${rows[0].file.slice(0, -4)}.ann`)!;
    assert.match(someAnn, /^T1\t\S+ \d+ \d+(;\d+ \d+)*\t/);
    assert.ok([...files.values()].some((c) => /\t\S+ \d+ \d+;\d+ \d+\t/.test(c)), 'discontinuous spans written with ;');
    // Into a fresh workspace with the same notes, from the exported folder.
    const bratDir = path.join(root, 'brat');
    for (const [rel, content] of files) await writeFile(bratDir, rel, content);
    const ws2 = path.join(root, 'ws2');
    await workspaceWith(ws2, rows);
    const report = await importFile(ws2, 'brat', bratDir);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(await exportedRows(ws2), canonical(rows));
  });
});

test('brat counts code points and CRLF as two; a fragment crossing a line break is split there', () => {
  const text = 'Itching 😀 and\r\nhives 😀😀 rash';
  const conv = new OffsetConverter(text);
  const hives = text.indexOf('hives');
  const rash = text.indexOf('rash');
  const ann = exportBratAnn(text, [
    { label: 'ADE', fragments: [[hives, hives + 5], [rash, rash + 4]] },
    { label: 'ADE', fragments: [[text.indexOf('and'), hives + 5]] },
  ]);
  const lines = ann.trim().split('\n');
  assert.equal(lines[0], `T1\tADE ${conv.toCodePoint(hives)} ${conv.toCodePoint(hives) + 5};${conv.toCodePoint(rash)} ${conv.toCodePoint(rash) + 4}\thives rash`);
  // Python would say: len('Itching 😀 and\r\n') == 15 code points (the emoji counts one, CRLF two).
  assert.equal(conv.toCodePoint(hives), 15);
  assert.equal(lines[1], 'T2\tADE 10 13;15 20\tand hives', 'the CRLF is not part of either fragment');
  const back = parseBratAnn(ann, text, 'x.ann');
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.spans[0].fragments, [[hives, hives + 5], [rash, rash + 4]]);
  const bad = parseBratAnn('T1\tADE 0 7\tItchin\n', text, 'x.ann');
  assert.equal(bad.errors[0].line, 1);
  assert.match(bad.errors[0].problem, /not what its offsets cover/);
});

test('spaCy export uses code points; emoji and CRLF notes round-trip; discontinuous spans become one span per fragment', async () => {
  await withTempDir(async (ws) => {
    const text = 'Pt 😀 on lisinopril.\r\nDry 😀 cough, resolved after stopping it.\r\n';
    const cough = text.indexOf('cough');
    const dry = text.indexOf('Dry');
    const rows: Row[] = [
      {
        file: 'notes/emoji.txt',
        text,
        spans: [
          { label: 'DRUG', start: text.indexOf('lisinopril'), end: text.indexOf('lisinopril') + 10, text: 'lisinopril' },
          { label: 'ADE', start: dry, end: cough + 5, text: 'Dry cough', fragments: [[dry, dry + 3], [cough, cough + 5]] },
        ],
      },
    ];
    await workspaceWith(ws, rows);
    await importRows(ws, rows);
    const out = await exportWorkspace(ws, 'spacy');
    assert.equal(out.output.kind, 'text');
    const row = JSON.parse(out.output.kind === 'text' ? out.output.text : '') as { text: string; spans: { start: number; end: number; label: string }[]; meta: { file: string } };
    assert.equal(row.meta.file, 'notes/emoji.txt');
    const cp = [...text];
    assert.deepEqual(row.spans.map((s) => cp.slice(s.start, s.end).join('')), ['lisinopril', 'Dry', 'cough']);
    assert.equal(row.spans[0].start, text.indexOf('lisinopril') - 1, 'one emoji before: one less in code points');
    assert.match(out.warnings.join(), /1 discontinuous span/);

    // Import the spaCy file into a fresh workspace: same offsets back in UTF-16, fragments as separate spans.
    const spacyFile = path.join(ws, '..', `${path.basename(ws)}.spacy.jsonl`);
    await fs.writeFile(spacyFile, out.output.kind === 'text' ? out.output.text : '');
    try {
      await fs.rm(path.join(ws, '.sidelight'), { recursive: true });
      const report = await importFile(ws, 'spacy', spacyFile);
      assert.deepEqual(report.errors, []);
      assert.equal(report.added, 3);
      const back = await exportedRows(ws);
      assert.deepEqual(back[0].spans.map((s) => [s.start, s.end, s.text]), [
        [text.indexOf('lisinopril'), text.indexOf('lisinopril') + 10, 'lisinopril'],
        [dry, dry + 3, 'Dry'],
        [cough, cough + 5, 'cough'],
      ]);
    } finally {
      await fs.rm(spacyFile, { force: true });
    }
  });
});

test('CRLF notes round-trip through jsonl and brat with CRLF counted as two', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    const text = 'Line one.\r\nHypotension after lisinopril.\r\nLine three: angioedema.\r\n';
    const span = (q: string, label: string) => ({ label, start: text.indexOf(q), end: text.indexOf(q) + q.length, text: q });
    const rows: Row[] = [{ file: 'crlf.txt', text, spans: [span('Hypotension', 'ADE'), span('lisinopril', 'DRUG'), span('angioedema', 'ADE')] }];
    await workspaceWith(ws, rows);
    await importRows(ws, rows);
    assert.equal(rows[0].spans[0].start, 11);
    assert.deepEqual(await exportedRows(ws), canonical(rows));
    const out = await exportWorkspace(ws, 'brat');
    if (out.output.kind !== 'files') assert.fail('brat exports files');
    assert.equal(out.output.files.get('crlf.txt'), text);
    assert.match(out.output.files.get('crlf.ann')!, /^T1\tADE 11 22\tHypotension$/m);
    const ann = await writeFile(ws, 'crlf.ann', out.output.files.get('crlf.ann')!);
    await fs.rm(path.join(ws, '.sidelight'), { recursive: true });
    const report = await importFile(ws, 'brat', ann); // the .ann beside the note itself
    assert.deepEqual(report.errors, []);
    assert.deepEqual(await exportedRows(ws), canonical(rows));
  });
});

test('CoNLL BIO: export → import → export is stable on ADE data, and token-aligned spans come back exactly', async () => {
  await withTempDir(async (root) => {
    const ws = path.join(root, 'ws');
    const rows = adeRows(40).filter((r) => r.spans.length > 0);
    await workspaceWith(ws, rows);
    await importRows(ws, rows);
    const first = await exportWorkspace(ws, 'conll');
    const conll = first.output.kind === 'text' ? first.output.text : '';
    assert.match(conll, /^# file = notes\/ade-[^\n]+\n\S+\t(O|B-\w+)\n/);
    assert.match(conll, /\tB-ADE\n[^\n]*\tI-ADE\n/);
    const conllFile = path.join(root, 'out.conll');
    await fs.writeFile(conllFile, conll);
    const ws2 = path.join(root, 'ws2');
    await workspaceWith(ws2, rows);
    const report = await importFile(ws2, 'conll', conllFile);
    assert.deepEqual(report.errors, []);
    const again = await exportWorkspace(ws2, 'conll');
    assert.equal(again.output.kind === 'text' ? again.output.text : '', conll);
    // Spans on token boundaries that overlap nothing survive with their offsets.
    const back = new Map((await exportedRows(ws2)).map((r) => [r.file, r]));
    let exact = 0;
    for (const r of rows) {
      const tokens = tokenize(r.text);
      const starts = new Set(tokens.map((t) => t.start));
      const ends = new Set(tokens.map((t) => t.end));
      for (const s of r.spans) {
        const alone = r.spans.every((o) => o === s || o.end <= s.start || o.start >= s.end);
        if (!alone || !starts.has(s.start) || !ends.has(s.end)) continue;
        assert.ok(back.get(r.file)!.spans.some((b) => b.label === s.label && b.start === s.start && b.end === s.end), `${r.file} ${s.text}`);
        exact++;
      }
    }
    assert.ok(exact > 25, `${exact} spans checked`);
  });
});

test('CoNLL export reports overlapping spans it had to leave out', async () => {
  await withTempDir(async (ws) => {
    const text = 'Aspirin-induced asthma.';
    const rows: Row[] = [{ file: 'a.txt', text, spans: [{ label: 'ADE', start: 0, end: 22, text: 'Aspirin-induced asthma' }, { label: 'DRUG', start: 0, end: 7, text: 'Aspirin' }] }];
    await workspaceWith(ws, rows);
    await importRows(ws, rows);
    const out = await exportWorkspace(ws, 'conll');
    assert.match(out.warnings.join(), /1 overlapping entity fragment/);
    assert.equal(out.output.kind === 'text' ? out.output.text : '', '# file = a.txt\nAspirin\tB-ADE\n-\tI-ADE\ninduced\tI-ADE\nasthma\tI-ADE\n.\tO\n\n');
  });
});

test('import refuses rows whose text differs from the note on disk, and still imports the others', async () => {
  await withTempDir(async (ws) => {
    const rows = adeRows(3);
    await workspaceWith(ws, rows);
    await writeFile(ws, rows[1].file, rows[1].text + ' Edited since.');
    const report = await importRows(ws, [...rows, { file: 'missing.txt', text: 'x', spans: [] }]);
    assert.equal(report.errors.length, 2);
    assert.match(report.errors[0].problem, new RegExp(`${rows[1].file}.*differs from the note on disk \\(first difference at offset ${rows[1].text.length}\\)`));
    assert.match(report.errors[1].problem, /no note "missing.txt"/);
    const exported = await exportedRows(ws);
    assert.deepEqual(exported.map((r) => r.file), [rows[0].file, rows[2].file].filter((f) => rows.find((r) => r.file === f)!.spans.length > 0));
  });
});

test('a jsonl row with code-point offsets is caught by its span text, with the line', async () => {
  await withTempDir(async (ws) => {
    const text = 'Pt 😀 reports rash.';
    await writeFile(ws, 'n.txt', text);
    const cpStart = [...text].indexOf('r', 5);
    const report = await importRows(ws, [{ file: 'n.txt', text, spans: [{ label: 'ADE', start: cpStart + 8, end: cpStart + 12, text: 'rash' }] }]);
    assert.equal(report.added, 0);
    assert.equal(report.errors[0].line, 1);
    assert.match(report.errors[0].problem, /offsets must be UTF-16/);
  });
});

test('export leaves out rejected spans, unreviewed suggestions and orphans, and counts them', async () => {
  await withTempDir(async (ws) => {
    const text = 'Nausea and vomiting after cisplatin; no rash.';
    await writeFile(ws, 'n.txt', text);
    const store = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 0 });
    const [nausea, , rash] = await store.addSpans('n.txt', text, [
      { label: 'ADE', fragments: [[0, 6]] },
      { label: 'ADE', fragments: [[11, 19]], source: 'model:ade@1.0.0', score: 0.6 },
      { label: 'ADE', fragments: [[40, 44]] },
    ]);
    await store.setStatus('n.txt', [rash.id], 'rejected');
    await store.flush();
    const out = await exportWorkspace(ws, 'jsonl', { store });
    assert.deepEqual(out.skipped, { rejected: 1, suggested: 1, orphan: 0, relations: 0 });
    assert.equal(out.spans, 1);
    assert.match(out.output.kind === 'text' ? out.output.text : '', new RegExp(`"start":${nausea.fragments[0][0]},"end":6,"text":"Nausea"`));
    const withSuggestions = await exportWorkspace(ws, 'jsonl', { store, includeSuggested: true });
    assert.match(withSuggestions.output.kind === 'text' ? withSuggestions.output.text : '', /"text":"vomiting","score":0.6/);
  });
});
