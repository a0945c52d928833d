import { promises as fs } from 'node:fs';
import { InputError } from '../../errors';
import { OffsetConverter } from '../codePoints';
import { attributesProblem, labelNameProblem } from '../sidecar';
import { Token, tokenize } from './conll';
import { AnnotationFormat, Doc, DocRelation, DocSpan, ExportResult, ImportContext, ImportResult } from './types';
import { count } from '../../plural';

/**
 * Prodigy / spaCy JSONL: `{"text", "spans": [{"start", "end", "label", "text"}], "meta": {"file"}}`, one
 * row per note. Offsets are CODE POINTS (Python `str` indices, what `doc.char_span` expects), converted
 * from and to our UTF-16 offsets here.
 *
 * spaCy spans are contiguous: a discontinuous span is exported as one span per fragment (with the same
 * label), so it comes back from an import as that many separate spans.
 *
 * A note with relations is written the way Prodigy's `rel.manual` writes them: `tokens` (`{"text",
 * "start", "end", "id", "ws"}`, the tokens of the CoNLL export), spans with `token_start`/`token_end`
 * (inclusive), and `relations: [{"head", "child", "head_span", "child_span", "label"}]`, `head`/`child`
 * being the last token of the span the relation starts/ends at (Prodigy's convention), the span being the
 * first fragment of a discontinuous one. Span attributes go in a span's `attributes` (`{"assertion":
 * "absent"}`), a key Prodigy and spaCy ignore.
 */

export function exportSpacy(docs: Doc[]): string {
  return docs.map((doc) => JSON.stringify(spacyRow(doc)) + '\n').join('');
}

function spacyRow(doc: Doc): Record<string, unknown> {
  const conv = new OffsetConverter(doc.text);
  const withRelations = (doc.relations ?? []).length > 0;
  const tokens = withRelations ? tokenize(doc.text) : [];
  /** The row span of each doc span's first fragment. */
  const firstOf: Record<string, unknown>[] = [];
  const spans = doc.spans.flatMap((s) =>
    s.fragments.map(([a, b], k) => {
      const span: Record<string, unknown> = { start: conv.toCodePoint(a), end: conv.toCodePoint(b), label: s.label, text: doc.text.slice(a, b) };
      if (withRelations) {
        span.token_start = tokenAt(tokens, a);
        span.token_end = Math.max(span.token_start as number, tokenAt(tokens, b - 1));
      }
      if (s.attributes && Object.keys(s.attributes).length > 0) span.attributes = s.attributes;
      if (k === 0) firstOf.push(span);
      return span;
    }),
  );
  const row: Record<string, unknown> = { text: doc.text };
  if (withRelations) {
    row.tokens = tokens.map((t, i) => ({
      text: t.text,
      start: conv.toCodePoint(t.start),
      end: conv.toCodePoint(t.end),
      id: i,
      ws: i + 1 < tokens.length ? /^\s/.test(doc.text.slice(t.end, t.end + 1)) : /\s$/.test(doc.text),
    }));
  }
  row.spans = spans;
  if (withRelations) {
    const bare = (sp: Record<string, unknown>) => ({ start: sp.start, end: sp.end, token_start: sp.token_start, token_end: sp.token_end, label: sp.label });
    row.relations = doc.relations!.map((r) => ({
      head: firstOf[r.from].token_end,
      child: firstOf[r.to].token_end,
      head_span: bare(firstOf[r.from]),
      child_span: bare(firstOf[r.to]),
      label: r.type,
    }));
  }
  row.meta = { file: doc.note, ...(doc.done !== undefined ? { done: doc.done } : {}) };
  return row;
}

/** Index of the token holding UTF-16 offset `at`, else of the first token after it (the last at the end). */
function tokenAt(tokens: Token[], at: number): number {
  const k = tokens.findIndex((t) => t.end > at);
  return k < 0 ? Math.max(0, tokens.length - 1) : k;
}

/**
 * Reads rows naming their note by `meta.file` (as exported) or `file`. Rows Prodigy marked as rejected or
 * ignored (`"answer": "reject" | "ignore"`) are skipped: their spans are not annotations.
 */
export function parseSpacy(content: string, file: string): ImportResult {
  const docs: Doc[] = [];
  const errors: InputError[] = [];
  content.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const fail = (problem: string) => errors.push(new InputError(file, problem, i + 1));
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      return fail(`not valid JSON: ${(e as Error).message}`);
    }
    if (typeof row !== 'object' || row === null) return fail('a row must be a JSON object');
    if (row.answer === 'reject' || row.answer === 'ignore') return;
    const meta = row.meta as Record<string, unknown> | undefined;
    const note = typeof meta?.file === 'string' ? meta.file : row.file;
    if (typeof note !== 'string' || note === '') return fail('the row names no note: add "meta": {"file": "<path relative to the workspace>"}');
    if (typeof row.text !== 'string') return fail('"text" must be a string');
    const text = row.text;
    const conv = new OffsetConverter(text);
    // spaCy's own `doc.spans` is an object of span groups ({"sc": […]}): taking it for "no spans" would
    // import the note as having none, silently.
    if (row.spans !== undefined && !Array.isArray(row.spans)) {
      return fail('"spans" must be a list of {"start", "end", "label"} (a spaCy span-group object such as {"sc": […]} is not read: write the group\'s spans as a list)');
    }
    const spans: DocSpan[] = [];
    for (const [k, s] of ((row.spans as unknown[] | undefined) ?? []).entries()) {
      const sp = s as Record<string, unknown>;
      if (typeof sp?.label !== 'string' || !Number.isInteger(sp.start) || !Number.isInteger(sp.end)) {
        return fail(`span ${k + 1} needs "start", "end" (integers) and "label"`);
      }
      const start = conv.toUtf16(sp.start as number);
      const end = conv.toUtf16(sp.end as number);
      if (!(end > start) || (sp.end as number) > conv.codePointLength) return fail(`span ${k + 1}: [${sp.start as number}, ${sp.end as number}) is empty or past the end of the text`);
      if (typeof sp.text === 'string' && sp.text !== text.slice(start, end)) {
        return fail(`span ${k + 1}: "text" ${JSON.stringify(sp.text)} is not what its offsets cover (${JSON.stringify(text.slice(start, end))}); offsets must be code points`);
      }
      const span: DocSpan = { label: sp.label, fragments: [[start, end]] };
      if (sp.attributes !== undefined) {
        const problem = attributesProblem(sp.attributes);
        if (problem) return fail(`span ${k + 1}: ${problem}`);
        if (Object.keys(sp.attributes as object).length > 0) span.attributes = { ...(sp.attributes as Record<string, string>) };
      }
      spans.push(span);
    }
    const doc: Doc = { note, text, spans };
    if (row.relations !== undefined) {
      const relations = readRelations(row, (row.spans as Record<string, unknown>[] | undefined) ?? []);
      if (typeof relations === 'string') return fail(relations);
      if (relations.length > 0) doc.relations = relations;
    }
    docs.push(doc);
  });
  return { docs, errors };
}

/**
 * The relations of a Prodigy `rel.manual` row, or the problem. Each end is found by its `head_span` /
 * `child_span` offsets when given, else by its token (`head`/`child`): the span whose `token_end` it is, or
 * whose text holds that token.
 */
function readRelations(row: Record<string, unknown>, spans: Record<string, unknown>[]): DocRelation[] | string {
  if (!Array.isArray(row.relations)) return '"relations" must be a list of {"head", "child", "label"}';
  const tokens = Array.isArray(row.tokens) ? (row.tokens as Record<string, unknown>[]) : [];
  const out: DocRelation[] = [];
  for (const [k, r] of (row.relations as unknown[]).entries()) {
    const what = `relation ${k + 1}`;
    const rel = r as Record<string, unknown>;
    if (typeof rel?.label !== 'string' || labelNameProblem(rel.label)) return `${what}: "label" must be a relation type without spaces or control characters`;
    const ends: number[] = [];
    for (const [end, spanKey] of [['head', 'head_span'], ['child', 'child_span']] as const) {
      const index = findEnd(rel[end], rel[spanKey], spans, tokens);
      if (index === undefined) return `${what}: its ${end} (${JSON.stringify(rel[spanKey] ?? rel[end])}) is not one of the row's spans`;
      ends.push(index);
    }
    out.push({ type: rel.label, from: ends[0], to: ends[1] });
  }
  return out;
}

function findEnd(token: unknown, span: unknown, spans: Record<string, unknown>[], tokens: Record<string, unknown>[]): number | undefined {
  if (typeof span === 'object' && span !== null && Number.isInteger((span as Record<string, unknown>).start)) {
    const s = span as Record<string, unknown>;
    const k = spans.findIndex((x) => x.start === s.start && x.end === s.end && (s.label === undefined || x.label === s.label));
    return k < 0 ? undefined : k;
  }
  if (!Number.isInteger(token)) return undefined;
  const byToken = spans.findIndex((x) => x.token_end === token);
  if (byToken >= 0) return byToken;
  const t = tokens.find((x, i) => (x.id ?? i) === token);
  if (!t || !Number.isInteger(t.start)) return undefined;
  const k = spans.findIndex((x) => (x.start as number) <= (t.start as number) && (t.start as number) < (x.end as number));
  return k < 0 ? undefined : k;
}

export const spacyFormat: AnnotationFormat = {
  name: 'spacy',
  offsetUnit: 'codepoint',
  description: 'Prodigy/spaCy JSONL ({"text", "spans", "meta": {"file"}}, relations as rel.manual writes them); code-point offsets; a discontinuous span becomes one span per fragment.',
  exportDocs(docs: Doc[]): ExportResult {
    const split = docs.reduce((n, d) => n + d.spans.filter((s) => s.fragments.length > 1).length, 0);
    return {
      output: { kind: 'text', text: exportSpacy(docs) },
      warnings: split > 0 ? [`${count(split, 'discontinuous span')} written as one span per fragment (spaCy spans are contiguous)`] : [],
    };
  },
  async importFile(file: string, _context: ImportContext): Promise<ImportResult> {
    return parseSpacy(await fs.readFile(file, 'utf8'), file);
  },
};
