import { promises as fs } from 'node:fs';
import { InputError } from './errors';
import { unreadableFileError } from './fs/notFound';
import { stripBom } from './fs/text';
import { InterchangeRow, Span } from './span';
import { attributesProblem } from './annotations/sidecar';
import { count } from './plural';

/**
 * The interchange JSONL of design.md: one row per text, `{"id"?, "file"?, "text", "spans": [...]}`. Reading
 * validates every row and reports a bad one as an `InputError` with its line number, so a user can fix it.
 */

export interface ParsedRow {
  /** 1-based line number in the file. */
  line: number;
  row: InterchangeRow;
}

export interface ParseResult {
  rows: ParsedRow[];
  /** Bad rows, each naming the file and line; the good rows are still in `rows`. */
  errors: InputError[];
}

export interface ParseOptions {
  /** Rows must carry `spans` (gold files); otherwise a missing `spans` reads as `[]` (predict input). */
  requireSpans?: boolean;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateSpan(s: unknown, text: string, k: number): Span {
  if (!s || typeof s !== 'object') throw new Error(`spans[${k}] must be an object`);
  const o = s as Record<string, unknown>;
  if (typeof o.label !== 'string' || !o.label) throw new Error(`spans[${k}] needs a string "label"`);
  if (!isInt(o.start) || !isInt(o.end) || o.start < 0 || o.end < o.start || o.end > text.length) {
    throw new Error(`spans[${k}] ("${o.label}") has offsets ${JSON.stringify(o.start)}–${JSON.stringify(o.end)} outside the text (length ${text.length}; UTF-16 offsets, end exclusive)`);
  }
  const span: Span = { label: o.label, start: o.start, end: o.end, text: text.slice(o.start, o.end) };
  if (o.fragments !== undefined) {
    const frags = o.fragments;
    const inside = (f: unknown): boolean =>
      Array.isArray(f) && f.length === 2 && isInt(f[0]) && isInt(f[1]) && f[0] <= f[1] && f[0] >= span.start && f[1] <= span.end;
    if (!Array.isArray(frags) || !frags.every(inside)) {
      throw new Error(`spans[${k}] has "fragments" that are not [start, end] pairs inside the span`);
    }
    span.fragments = frags as [number, number][];
    span.text = span.fragments.map(([a, b]) => text.slice(a, b)).join(' ');
  }
  if (typeof o.text === 'string' && o.text !== span.text) {
    throw new Error(`spans[${k}] text ${JSON.stringify(o.text)} differs from the text at its offsets ${JSON.stringify(span.text)}`);
  }
  if (typeof o.score === 'number') span.score = o.score;
  if (o.attributes !== undefined) {
    const problem = attributesProblem(o.attributes);
    if (problem) throw new Error(`spans[${k}]: ${problem}`);
    if (Object.keys(o.attributes as object).length > 0) span.attributes = { ...(o.attributes as Record<string, string>) };
  }
  return span;
}

/** Parses JSONL content; `file` names it in errors. Blank lines are skipped. */
/** `relations`: `{"label", "from", "to"}` with span indexes of the row (the ADE corpus's form). */
function validateRelations(v: unknown, spans: number): { label: string; from: number; to: number }[] {
  if (!Array.isArray(v)) throw new Error('"relations" must be an array');
  return v.map((r: unknown, k) => {
    const o = (r ?? {}) as Record<string, unknown>;
    if (typeof o.label !== 'string' || !o.label) throw new Error(`relations[${k}] needs a string "label"`);
    for (const end of ['from', 'to'] as const) {
      const i = o[end];
      if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= spans) throw new Error(`relations[${k}]: "${end}" must be the index of one of the row's ${count(spans, 'span')}, not ${JSON.stringify(i)}`);
    }
    return { label: o.label, from: o.from as number, to: o.to as number };
  });
}

export function parseJsonl(content: string, file: string, options: ParseOptions = {}): ParseResult {
  const rows: ParsedRow[] = [];
  const errors: InputError[] = [];
  const lines = stripBom(content).split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const l = raw.trim();
    if (!l) return;
    try {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw new Error(`not valid JSON (${(e as Error).message})`);
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('a row must be a JSON object');
      const o = v as Record<string, unknown>;
      if (typeof o.text !== 'string') throw new Error('the row has no string "text"');
      if (o.id !== undefined && typeof o.id !== 'string' && typeof o.id !== 'number') throw new Error('"id" must be a string');
      if (o.file !== undefined && typeof o.file !== 'string') throw new Error('"file" must be a string');
      if (o.id === undefined && o.file === undefined) throw new Error('the row needs an "id" or a "file" to name it');
      if (o.spans === undefined && options.requireSpans) throw new Error('the row has no "spans" (gold rows need them, [] for none)');
      if (o.spans !== undefined && !Array.isArray(o.spans)) throw new Error('"spans" must be an array');
      const text = o.text;
      const row: InterchangeRow = { text, spans: ((o.spans as unknown[]) ?? []).map((s, k) => validateSpan(s, text, k)) };
      if (o.relations !== undefined) row.relations = validateRelations(o.relations, row.spans.length);
      if (o.id !== undefined) row.id = String(o.id);
      if (o.file !== undefined) row.file = o.file as string;
      rows.push({ line, row });
    } catch (e) {
      errors.push(new InputError(file, (e as Error).message, line));
    }
  });
  return { rows, errors };
}

/** Reads and parses a JSONL file; an unreadable file is an `InputError`. */
export async function readJsonl(file: string, options: ParseOptions = {}): Promise<ParseResult> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw unreadableFileError(file, e);
  }
  return parseJsonl(content, file, options);
}

/** One row as a JSONL line (no newline), keys in the documented order. */
export function formatRow(row: InterchangeRow): string {
  const out: Record<string, unknown> = {};
  if (row.id !== undefined) out.id = row.id;
  if (row.file !== undefined) out.file = row.file;
  out.text = row.text;
  out.spans = row.spans.map((s) => {
    const o: Record<string, unknown> = { label: s.label, start: s.start, end: s.end, text: s.text };
    if (s.fragments) o.fragments = s.fragments;
    if (s.score !== undefined) o.score = Math.round(s.score * 1e4) / 1e4;
    if (s.attributes !== undefined) o.attributes = s.attributes;
    return o;
  });
  return JSON.stringify(out);
}

export function formatJsonl(rows: InterchangeRow[]): string {
  return rows.map((r) => formatRow(r) + '\n').join('');
}
