import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from '../errors';
import { JsonPath, parseJsonWithLines } from './jsonPositions';

/**
 * The sidecar: one JSON file per note under `.sidelight/annotations/`, the format documented in
 * docs/annotation-format.md. Offsets are UTF-16 code units, end exclusive, on the note as saved.
 */

export const SIDECAR_SCHEMA_VERSION = 1;
export const SIDELIGHT_DIR = '.sidelight';
export const ANNOTATIONS_DIR = `${SIDELIGHT_DIR}/annotations`;

export type Fragment = [number, number];
export type SpanStatus = 'suggested' | 'accepted' | 'rejected';
/**
 * `edited`: the span's own text was rewritten since it was labelled. `orphan`: it could not be re-anchored.
 * `conflict`: a sync found it changed differently on two sides; both versions are kept (see `conflict`).
 */
export type SpanFlag = 'edited' | 'orphan' | 'conflict';
export const SPAN_FLAGS: readonly SpanFlag[] = ['edited', 'orphan', 'conflict'];

/**
 * The text a span covered, with context, so it can be found again after the note changed outside the
 * editor. `text` is the note from the first fragment's start to the last fragment's end (gaps included);
 * `fragments` (discontinuous spans only) are the fragments relative to `text`, so a re-anchored span gets
 * back its exact shape from the quote alone, and an orphan keeps it.
 */
export interface Quote {
  text: string;
  prefix: string;
  suffix: string;
  fragments?: Fragment[];
}

export interface AnnotationSpan {
  /** Random and stable (crypto.randomUUID): survives edits, moves and syncs; merges match spans by it. */
  id: string;
  label: string;
  /** Sorted, non-overlapping `[start, end)` pieces; one for an ordinary span. Empty pieces only on orphans. */
  fragments: Fragment[];
  quote: Quote;
  /** `human`, `import`, or `model:<name>@<version>`. */
  source: string;
  status: SpanStatus;
  flags: SpanFlag[];
  author: string;
  /** ISO 8601 times. */
  createdAt: string;
  updatedAt: string;
  /** Model confidence in [0, 1], for model suggestions. */
  score?: number;
  /** With the `conflict` flag: the id of the other version of this span (src/core/sync/merge.ts). */
  conflict?: string;
}

export interface Sidecar {
  schemaVersion: 1;
  /** The note, relative to the workspace folder, with `/` separators. */
  note: string;
  /** sha256 (hex) of the note's bytes when the offsets were last anchored to it; '' if never read. */
  noteSha256: string;
  /** The note was reviewed completely (so "no spans" means "no side effect", not "not looked at"). */
  done: boolean;
  spans: AnnotationSpan[];
}

export const QUOTE_CONTEXT = 30;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The quote of `fragments` in `text` (fragments must be sorted). */
export function makeQuote(text: string, fragments: Fragment[]): Quote {
  const start = fragments[0][0];
  const end = fragments[fragments.length - 1][1];
  const quote: Quote = {
    text: text.slice(start, end),
    prefix: text.slice(Math.max(0, start - QUOTE_CONTEXT), start),
    suffix: text.slice(end, end + QUOTE_CONTEXT),
  };
  if (fragments.length > 1) quote.fragments = fragments.map(([s, e]) => [s - start, e - start]);
  return quote;
}

/** Outer bounds of a span. */
export function spanStart(span: { fragments: Fragment[] }): number {
  return span.fragments[0][0];
}
export function spanEnd(span: { fragments: Fragment[] }): number {
  return span.fragments[span.fragments.length - 1][1];
}

/** A span's text the way the interchange formats write it: fragments joined by one space. */
export function fragmentsText(text: string, fragments: Fragment[]): string {
  return fragments.map(([s, e]) => text.slice(s, e)).join(' ');
}

/** Stable order for files and lists: by position, label, inner fragments, then id (so diffs stay small). */
export function compareAnnotationSpans(a: AnnotationSpan, b: AnnotationSpan): number {
  return (
    spanStart(a) - spanStart(b) ||
    spanEnd(a) - spanEnd(b) ||
    (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) ||
    compareFragments(a.fragments, b.fragments) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareFragments(a: Fragment[], b: Fragment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i][0] - b[i][0] || a[i][1] - b[i][1];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function sameFragments(a: Fragment[], b: Fragment[]): boolean {
  return a.length === b.length && a.every(([s, e], i) => s === b[i][0] && e === b[i][1]);
}

/**
 * Checks that fragments are integers, sorted, non-overlapping and non-empty. Returns the problem, or
 * undefined. `allowEmpty` admits zero-width pieces (orphans sit at the place they were lost).
 */
export function fragmentsProblem(fragments: unknown, allowEmpty = false): string | undefined {
  if (!Array.isArray(fragments) || fragments.length === 0) return 'fragments must be a non-empty array of [start, end] pairs';
  let prevEnd = -1;
  for (const f of fragments) {
    // Safe integers only: 1e300 is an "integer" to Number.isInteger, and loops over offsets never end.
    if (!Array.isArray(f) || f.length !== 2 || !f.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return `fragment ${JSON.stringify(f)} is not a pair of non-negative integers [start, end]`;
    }
    const [s, e] = f as [number, number];
    if (e < s || (e === s && !allowEmpty)) return `fragment [${s}, ${e}] is empty or reversed (end is exclusive)`;
    if (s < prevEnd) return `fragments must be sorted and must not overlap (at [${s}, ${e}])`;
    prevEnd = e;
  }
  return undefined;
}

/**
 * Why a label name cannot be used, or undefined. A name is also the BIO tag and the brat type, which a
 * space, tab or control character (NUL included) would break: such a line cannot be read back.
 */
export function labelNameProblem(name: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (typeof name === 'string' && /^[^\s\u0000-\u001f\u007f]{1,64}$/.test(name)) return undefined;
  return `label ${JSON.stringify(name)} must be 1 to 64 characters without spaces or control characters (it is also the BIO tag and brat type)`;
}

/**
 * The first fragment of `fragments` (sorted, as parseSidecar leaves them) that reaches past a note of
 * `textLength` code units, described, or undefined. The parser cannot check this (it has no note); every
 * reader that pairs a sidecar with its note's text must, since a sidecar can come from any remote writer.
 */
export function fragmentsPastEnd(fragments: readonly Fragment[], textLength: number): string | undefined {
  const last = fragments[fragments.length - 1];
  return last && last[1] > textLength ? `fragment [${last[0]}, ${last[1]}] goes past the end of the note (${textLength} characters)` : undefined;
}

/**
 * Turns a workspace-relative note path into the normal form used as a key and inside sidecars: `/`
 * separators, no `.` segments. Rejects what could escape the workspace or alias Sidelight's own files.
 */
export function normalizeNotePath(noteRelPath: string): string {
  const problem = (p: string) => new InputError(noteRelPath, p);
  if (typeof noteRelPath !== 'string' || noteRelPath.length === 0) throw problem('the note path is empty');
  if (noteRelPath.includes('\0')) throw problem('the note path contains a NUL character');
  const slashed = noteRelPath.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || path.isAbsolute(noteRelPath)) {
    throw problem('the note path must be relative to the workspace folder, not absolute');
  }
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw problem('the note path must not contain ".." (it would leave the workspace folder)');
  if (parts.length === 0) throw problem('the note path names no file');
  if (parts[0] === SIDELIGHT_DIR) throw problem(`a note cannot live inside ${SIDELIGHT_DIR}/`);
  return parts.join('/');
}

/** `.sidelight/annotations/<note path>.json` inside the workspace folder. */
export function sidecarPathFor(workspaceDir: string, noteRelPath: string): string {
  const rel = normalizeNotePath(noteRelPath);
  return path.join(workspaceDir, ...ANNOTATIONS_DIR.split('/'), ...`${rel}.json`.split('/'));
}

export function emptySidecar(note: string): Sidecar {
  return { schemaVersion: SIDECAR_SCHEMA_VERSION, note: normalizeNotePath(note), noteSha256: '', done: false, spans: [] };
}

/**
 * Writes a sidecar: top-level fields one per line and one span per line, spans sorted. One span per line
 * keeps git diffs and merges of hand-labelled files readable, and error lines point at a span.
 */
export function serializeSidecar(sidecar: Sidecar): string {
  const spans = [...sidecar.spans].sort(compareAnnotationSpans);
  const head = [
    `  "schemaVersion": ${sidecar.schemaVersion}`,
    `  "note": ${JSON.stringify(sidecar.note)}`,
    `  "noteSha256": ${JSON.stringify(sidecar.noteSha256)}`,
    `  "done": ${sidecar.done}`,
  ];
  const spanLines = spans.map((s) => `    ${JSON.stringify(orderedSpan(s))}`);
  const spansField = spanLines.length === 0 ? '  "spans": []' : `  "spans": [\n${spanLines.join(',\n')}\n  ]`;
  return `{\n${[...head, spansField].join(',\n')}\n}\n`;
}

/** Fixed key order, and no undefined optional keys, so the same span always prints the same. */
function orderedSpan(s: AnnotationSpan): AnnotationSpan {
  const quote: Quote = { text: s.quote.text, prefix: s.quote.prefix, suffix: s.quote.suffix };
  if (s.quote.fragments) quote.fragments = s.quote.fragments;
  const out: AnnotationSpan = {
    id: s.id,
    label: s.label,
    fragments: s.fragments,
    quote,
    source: s.source,
    status: s.status,
    flags: s.flags,
    author: s.author,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
  if (s.score !== undefined) out.score = s.score;
  if (s.conflict !== undefined) out.conflict = s.conflict;
  return out;
}

const STATUSES: readonly string[] = ['suggested', 'accepted', 'rejected'];
const SOURCE = /^(human|import|model:[^@\s]+@\S+)$/;

/**
 * Parses and validates a sidecar. Any problem is an InputError naming the file, the line and what is
 * wrong; the caller must then leave the file alone (it is the user's data, to fix by hand).
 */
export function parseSidecar(raw: string, file: string): Sidecar {
  const { data, fail } = parseJsonWithLines(raw, file);
  if (!isObject(data)) return fail([], 'a sidecar must be a JSON object');
  if (data.schemaVersion !== SIDECAR_SCHEMA_VERSION) {
    return fail(['schemaVersion'], typeof data.schemaVersion === 'number' && data.schemaVersion > SIDECAR_SCHEMA_VERSION
      ? `schemaVersion ${data.schemaVersion} was written by a newer Sidelight; this one reads version ${SIDECAR_SCHEMA_VERSION}`
      : `"schemaVersion" must be ${SIDECAR_SCHEMA_VERSION}`);
  }
  if (typeof data.note !== 'string') return fail(['note'], '"note" must be the note path relative to the workspace folder');
  let note: string;
  try {
    note = normalizeNotePath(data.note);
  } catch (e) {
    return fail(['note'], `"note": ${e instanceof InputError ? e.problem : String(e)}`);
  }
  if (typeof data.noteSha256 !== 'string' || !/^([0-9a-f]{64})?$/.test(data.noteSha256)) {
    return fail(['noteSha256'], '"noteSha256" must be a hex sha256 (or "")');
  }
  if (typeof data.done !== 'boolean') return fail(['done'], '"done" must be true or false');
  if (!Array.isArray(data.spans)) return fail(['spans'], '"spans" must be an array');
  const ids = new Set<string>();
  const spans = data.spans.map((s: unknown, i: number) => {
    const at = (...rest: JsonPath): JsonPath => ['spans', i, ...rest];
    if (!isObject(s)) return fail(at(), `span ${i + 1} must be an object`);
    const str = (key: string): string =>
      typeof s[key] === 'string' && (s[key] as string).length > 0 ? (s[key] as string) : fail(at(key), `span ${i + 1}: "${key}" must be a non-empty string`);
    const id = str('id');
    if (ids.has(id)) fail(at('id'), `span ${i + 1}: duplicate id ${JSON.stringify(id)}`);
    ids.add(id);
    const label = str('label');
    const lp = labelNameProblem(label);
    if (lp) fail(at('label'), `span ${i + 1}: ${lp}`);
    const flags = s.flags ?? [];
    if (!Array.isArray(flags) || !flags.every((f) => SPAN_FLAGS.includes(f as SpanFlag))) {
      fail(at('flags'), `span ${i + 1}: "flags" must be a list of ${SPAN_FLAGS.map((f) => `"${f}"`).join(', ')}`);
    }
    const orphan = (flags as string[]).includes('orphan');
    const fp = fragmentsProblem(s.fragments, orphan);
    if (fp) fail(at('fragments'), `span ${i + 1}: ${fp}`);
    const q = s.quote;
    if (!isObject(q) || typeof q.text !== 'string' || typeof q.prefix !== 'string' || typeof q.suffix !== 'string') {
      return fail(at('quote'), `span ${i + 1}: "quote" must be {"text", "prefix", "suffix"} strings`);
    }
    const quote: Quote = { text: q.text, prefix: q.prefix, suffix: q.suffix };
    if (q.fragments !== undefined) {
      const qp = fragmentsProblem(q.fragments);
      const qf = q.fragments as Fragment[];
      if (qp || qf[qf.length - 1][1] > q.text.length) fail(at('quote', 'fragments'), `span ${i + 1}: quote fragments ${qp ?? 'go past the quoted text'}`);
      quote.fragments = qf.map(([a, b]) => [a, b]);
    }
    const source = str('source');
    if (!SOURCE.test(source)) fail(at('source'), `span ${i + 1}: "source" must be "human", "import" or "model:<name>@<version>"`);
    const status = str('status');
    if (!STATUSES.includes(status)) fail(at('status'), `span ${i + 1}: "status" must be "suggested", "accepted" or "rejected"`);
    const author = typeof s.author === 'string' ? s.author : fail(at('author'), `span ${i + 1}: "author" must be a string`);
    const createdAt = str('createdAt');
    const updatedAt = str('updatedAt');
    for (const [key, t] of [['createdAt', createdAt], ['updatedAt', updatedAt]] as const) {
      if (Number.isNaN(Date.parse(t))) fail(at(key), `span ${i + 1}: "${key}" must be an ISO 8601 time`);
    }
    const span: AnnotationSpan = {
      id,
      label,
      fragments: (s.fragments as Fragment[]).map(([a, b]) => [a, b]),
      quote,
      source,
      status: status as SpanStatus,
      flags: [...new Set(flags as SpanFlag[])],
      author,
      createdAt,
      updatedAt,
    };
    if (s.score !== undefined) {
      if (typeof s.score !== 'number' || !(s.score >= 0 && s.score <= 1)) fail(at('score'), `span ${i + 1}: "score" must be a number in [0, 1]`);
      span.score = s.score as number;
    }
    if (s.conflict !== undefined) {
      if (typeof s.conflict !== 'string') fail(at('conflict'), `span ${i + 1}: "conflict" must be the id of the other version`);
      span.conflict = s.conflict as string;
    }
    return span;
  });
  return { schemaVersion: SIDECAR_SCHEMA_VERSION, note, noteSha256: data.noteSha256, done: data.done, spans };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The words of a span as a person reads them: a discontinuous span's fragments joined by " … "
 * ("arthritis … knee pain"), not the whole stretch of note it covers.
 */
export function quoteDisplay(quote: Quote): string {
  if (!quote.fragments || quote.fragments.length < 2) return quote.text;
  return quote.fragments.map(([s, e]) => quote.text.slice(s, e)).join(' … ');
}
