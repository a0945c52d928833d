import { promises as fs } from 'node:fs';
import { InputError } from '../../errors';
import { attributesProblem, Fragment, fragmentsProblem, fragmentsText, labelNameProblem } from '../sidecar';
import { AnnotationFormat, Doc, DocRelation, DocSpan, ExportResult, ImportContext, ImportResult } from './types';
import { count } from '../../plural';

/**
 * The interchange JSONL of design.md: one row per note, `{"file", "text", "spans": [{"label", "start",
 * "end", "text", "fragments"?, "score"?, "attributes"?}], "relations"?: [{"label", "from", "to"}],
 * "done"?}`, UTF-16 offsets. A discontinuous span has `fragments`, with `start`/`end` its outer bounds and
 * `text` the fragments' texts joined by one space. A relation's `from` and `to` are indices in the row's
 * `spans` and `label` its type: the form of the ADE corpus (`{"label": "caused_by", "from": 1, "to": 0}`).
 * `done` (exports of reviewed notes) says whether the note was reviewed completely; import ignores it.
 */

export function exportJsonl(docs: Doc[]): string {
  return docs
    .map((doc) => {
      const row: Record<string, unknown> = { file: doc.note, text: doc.text, spans: doc.spans.map((s) => toRowSpan(doc.text, s)) };
      if (doc.relations && doc.relations.length > 0) row.relations = doc.relations.map((r) => ({ label: r.type, from: r.from, to: r.to }));
      if (doc.done !== undefined) row.done = doc.done;
      return JSON.stringify(row) + '\n';
    })
    .join('');
}

function toRowSpan(text: string, s: DocSpan): Record<string, unknown> {
  const row: Record<string, unknown> = {
    label: s.label,
    start: s.fragments[0][0],
    end: s.fragments[s.fragments.length - 1][1],
    text: fragmentsText(text, s.fragments),
  };
  if (s.fragments.length > 1) row.fragments = s.fragments;
  if (s.score !== undefined) row.score = s.score;
  if (s.attributes && Object.keys(s.attributes).length > 0) row.attributes = s.attributes;
  return row;
}

/**
 * Parses interchange rows. Each row needs `file` (which note) and `text`; every span is checked against
 * the row's text (its `text` must be what its offsets cover, which catches code-point offsets). A bad row
 * is reported with its line and skipped; the other rows are still read.
 */
export function parseJsonl(content: string, file: string): ImportResult {
  const docs: Doc[] = [];
  const errors: InputError[] = [];
  const lines = content.split('\n');
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '') return;
    try {
      docs.push(parseRow(line, file, lineNo));
    } catch (e) {
      if (e instanceof InputError) errors.push(e);
      else throw e;
    }
  });
  return { docs, errors };
}

function parseRow(line: string, file: string, lineNo: number): Doc {
  const fail = (problem: string): never => {
    throw new InputError(file, problem, lineNo);
  };
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (e) {
    return fail(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return fail('a row must be a JSON object');
  const r = row as Record<string, unknown>;
  if (typeof r.file !== 'string' || r.file === '') {
    return fail(`the row has no "file" (the note's path relative to the workspace)${typeof r.id === 'string' ? ` (id ${JSON.stringify(r.id)})` : ''}`);
  }
  if (typeof r.text !== 'string') return fail('"text" must be a string');
  const text = r.text;
  if (!Array.isArray(r.spans)) return fail('"spans" must be an array');
  const spans = r.spans.map((s: unknown, k: number): DocSpan => {
    const what = `span ${k + 1}`;
    if (typeof s !== 'object' || s === null) return fail(`${what} must be an object`);
    const sp = s as Record<string, unknown>;
    if (typeof sp.label !== 'string' || sp.label === '') return fail(`${what}: "label" must be a non-empty string`);
    if (!Number.isInteger(sp.start) || !Number.isInteger(sp.end)) return fail(`${what}: "start" and "end" must be integers`);
    const fragments: Fragment[] = sp.fragments === undefined ? [[sp.start as number, sp.end as number]] : (sp.fragments as Fragment[]);
    const problem = fragmentsProblem(fragments);
    if (problem) return fail(`${what}: ${problem}`);
    if (fragments[0][0] !== sp.start || fragments[fragments.length - 1][1] !== sp.end) {
      return fail(`${what}: "start"/"end" must be the outer bounds of "fragments"`);
    }
    if ((sp.end as number) > text.length) return fail(`${what}: ends at ${sp.end as number}, past the end of the text (${text.length})`);
    if (typeof sp.text === 'string' && sp.text !== fragmentsText(text, fragments)) {
      return fail(`${what}: "text" ${JSON.stringify(sp.text)} is not what its offsets cover (${JSON.stringify(fragmentsText(text, fragments))}); offsets must be UTF-16 code units`);
    }
    const span: DocSpan = { label: sp.label, fragments: fragments.map(([a, b]) => [a, b]) };
    if (typeof sp.score === 'number') span.score = sp.score;
    if (sp.attributes !== undefined) {
      const problem = attributesProblem(sp.attributes);
      if (problem) return fail(`${what}: ${problem}`);
      if (Object.keys(sp.attributes as object).length > 0) span.attributes = { ...(sp.attributes as Record<string, string>) };
    }
    return span;
  });
  const doc: Doc = { note: r.file, text, spans };
  if (r.relations !== undefined) {
    if (!Array.isArray(r.relations)) return fail('"relations" must be an array of {"label", "from", "to"}');
    doc.relations = r.relations.map((rel: unknown, k: number): DocRelation => {
      const what = `relation ${k + 1}`;
      if (typeof rel !== 'object' || rel === null) return fail(`${what} must be an object {"label", "from", "to"}`);
      const x = rel as Record<string, unknown>;
      const type = x.label ?? x.type;
      if (typeof type !== 'string' || labelNameProblem(type)) return fail(`${what}: "label" must be a relation type without spaces or control characters, not ${JSON.stringify(type)}`);
      for (const end of ['from', 'to'] as const) {
        const v = x[end];
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= spans.length) {
          return fail(`${what}: "${end}" must be the index of one of the row's ${count(spans.length, 'span')} (0 to ${spans.length - 1}), not ${JSON.stringify(v)}`);
        }
      }
      return { type, from: x.from as number, to: x.to as number };
    });
  }
  return doc;
}

export const jsonlFormat: AnnotationFormat = {
  name: 'jsonl',
  offsetUnit: 'utf16',
  description: 'Interchange JSONL (one row per note: file, text, spans, relations); UTF-16 offsets; discontinuous spans as "fragments".',
  exportDocs(docs: Doc[]): ExportResult {
    return { output: { kind: 'text', text: exportJsonl(docs) }, warnings: [] };
  },
  async importFile(file: string, _context: ImportContext): Promise<ImportResult> {
    return parseJsonl(await fs.readFile(file, 'utf8'), file);
  },
};
