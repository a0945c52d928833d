import { promises as fs } from 'node:fs';
import { InputError } from '../../errors';
import { OffsetConverter } from '../codePoints';
import { AnnotationFormat, Doc, DocSpan, ExportResult, ImportContext, ImportResult } from './types';
import { count } from '../../plural';

/**
 * Prodigy / spaCy JSONL: `{"text", "spans": [{"start", "end", "label", "text"}], "meta": {"file"}}`, one
 * row per note. Offsets are CODE POINTS (Python `str` indices, what `doc.char_span` expects), converted
 * from and to our UTF-16 offsets here.
 *
 * spaCy spans are contiguous: a discontinuous span is exported as one span per fragment (with the same
 * label), so it comes back from an import as that many separate spans.
 */

export function exportSpacy(docs: Doc[]): string {
  return docs
    .map((doc) => {
      const conv = new OffsetConverter(doc.text);
      const spans = doc.spans.flatMap((s) =>
        s.fragments.map(([a, b]) => ({ start: conv.toCodePoint(a), end: conv.toCodePoint(b), label: s.label, text: doc.text.slice(a, b) })),
      );
      return JSON.stringify({ text: doc.text, spans, meta: { file: doc.note, ...(doc.done !== undefined ? { done: doc.done } : {}) } }) + '\n';
    })
    .join('');
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
      spans.push({ label: sp.label, fragments: [[start, end]] });
    }
    docs.push({ note, text, spans });
  });
  return { docs, errors };
}

export const spacyFormat: AnnotationFormat = {
  name: 'spacy',
  offsetUnit: 'codepoint',
  description: 'Prodigy/spaCy JSONL ({"text", "spans", "meta": {"file"}}); code-point offsets; a discontinuous span becomes one span per fragment.',
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
