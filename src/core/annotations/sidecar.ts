import * as path from 'node:path';
import { InputError } from '../errors';
import { sha256Hex } from '../fs/sha256';
import { ANNOTATIONS_DIR, SIDELIGHT_DIR, workspacePath } from '../workspaceLayout';
import { JsonPath, parseJsonWithLines } from './jsonPositions';

/**
 * The sidecar: one JSON file per note under `.sidelight/annotations/`, the format documented in
 * docs/annotation-format.md. Offsets are UTF-16 code units, end exclusive, on the note as saved.
 */

/**
 * The newest sidecar version this Sidelight reads and writes. Version 2 added span `attributes` and the
 * sidecar's `relations`; a sidecar without them is still written as version 1, byte for byte as before,
 * so that a Sidelight without relations keeps reading it. One with them is version 2, which such a
 * Sidelight refuses ("written by a newer Sidelight") instead of rewriting it without them. Version 3 added
 * each annotator's votes on a span, who marked the note done (`doneBy`) and adjudication (votes.ts); it is
 * written only when a sidecar holds them.
 */
export const SIDECAR_SCHEMA_VERSION = 3;
export const SIDECAR_SCHEMA_VERSIONS: readonly number[] = [1, 2, 3];
export type SidecarVersion = 1 | 2 | 3;

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

/** One annotator's decision on a span (votes.ts). */
export interface SpanVote {
  author: string;
  verdict: 'accepted' | 'rejected';
  /** ISO 8601 time. */
  at: string;
}

/** An adjudicator's final decision on a span annotators disagreed on (core/annotations/adjudication.ts). */
export interface Adjudication {
  verdict: 'accepted' | 'rejected';
  by: string;
  at: string;
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
  /**
   * `{name: value}`, e.g. `{"assertion": "absent", "severity": "severe"}`. Not checked against the label
   * schema (changing the schema never loses values). Absent when none is set.
   */
  attributes?: Record<string, string>;
  /** Every annotator's vote, when it says more than `author` and `status` (votes.ts). */
  votes?: SpanVote[];
  /** Set by *Adjudicate note* on a span the annotators disagreed on. */
  adjudication?: Adjudication;
}

/**
 * A directed relation between two spans of the note, e.g. `caused_by` from an ADE to a DRUG. The ends are
 * span ids; a relation whose end is missing (a span deleted by another writer) is kept: see
 * `danglingRelations`.
 */
export interface AnnotationRelation {
  /** Random and stable, like a span's. */
  id: string;
  /** A relation type name (not checked against the schema). */
  type: string;
  from: string;
  to: string;
  /** `human`, `import`, or `model:<name>@<version>`. */
  source: string;
  status: SpanStatus;
  author: string;
  createdAt: string;
  updatedAt: string;
  /** Model confidence in [0, 1], for model suggestions. */
  score?: number;
  /** A sync found it changed differently on two sides: the id of the other version (src/core/sync/merge.ts). */
  conflict?: string;
}

export interface Sidecar {
  /** 1, 2 or 3; `serializeSidecar` writes the lowest version that holds the content. */
  schemaVersion: SidecarVersion;
  /** The note, relative to the workspace folder, with `/` separators. */
  note: string;
  /** sha256 (hex) of the note's bytes when the offsets were last anchored to it; '' if never read. */
  noteSha256: string;
  /** The note was reviewed completely (so "no spans" means "no side effect", not "not looked at"). */
  done: boolean;
  /** The annotators who marked the note done, sorted; absent in sidecars from before votes. */
  doneBy?: string[];
  /** The note's disagreements were settled by *Adjudicate note*: its accepted spans are the gold. */
  adjudicated?: { by: string; at: string };
  spans: AnnotationSpan[];
  /** Absent or empty when the note has none. */
  relations?: AnnotationRelation[];
}

export const QUOTE_CONTEXT = 30;

/** The sha256 of a note's text, as `noteSha256` records it (fs/sha256's helper, named for its use here). */
export const sha256: (text: string) => string = sha256Hex;

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
  return workspacePath(workspaceDir, `${ANNOTATIONS_DIR}/${rel}.json`);
}

export function emptySidecar(note: string): Sidecar {
  return { schemaVersion: 1, note: normalizeNotePath(note), noteSha256: '', done: false, spans: [] };
}

/**
 * Writes a sidecar: top-level fields one per line and one span (and one relation) per line, sorted. One
 * item per line keeps git diffs and merges of hand-labelled files readable, and error lines point at it.
 * `relations` is written only when there are some, and the version is the lowest that holds the content.
 */
export function serializeSidecar(sidecar: Sidecar): string {
  const spans = [...sidecar.spans].sort(compareAnnotationSpans);
  const relations = [...(sidecar.relations ?? [])].sort(compareRelations);
  const head = [
    `  "schemaVersion": ${sidecarVersionFor(sidecar)}`,
    `  "note": ${JSON.stringify(sidecar.note)}`,
    `  "noteSha256": ${JSON.stringify(sidecar.noteSha256)}`,
    `  "done": ${sidecar.done}`,
  ];
  if (sidecar.doneBy && sidecar.doneBy.length > 0) head.push(`  "doneBy": ${JSON.stringify([...sidecar.doneBy].sort())}`);
  if (sidecar.adjudicated) head.push(`  "adjudicated": ${JSON.stringify({ by: sidecar.adjudicated.by, at: sidecar.adjudicated.at })}`);
  const fields = [...head, listField('spans', spans.map(orderedSpan))];
  if (relations.length > 0) fields.push(listField('relations', relations.map(orderedRelation)));
  return `{\n${fields.join(',\n')}\n}\n`;
}

function listField(name: string, items: object[]): string {
  return items.length === 0 ? `  "${name}": []` : `  "${name}": [\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ]`;
}

/**
 * 3 when the sidecar holds votes, `doneBy` or adjudication; 2 when it holds relations or span attributes
 * (which version 1 readers would drop); else 1.
 */
export function sidecarVersionFor(sidecar: Pick<Sidecar, 'spans' | 'relations' | 'doneBy' | 'adjudicated'>): SidecarVersion {
  if ((sidecar.doneBy ?? []).length > 0 || sidecar.adjudicated || sidecar.spans.some((s) => s.votes !== undefined || s.adjudication !== undefined)) return 3;
  const attributes = sidecar.spans.some((s) => s.attributes !== undefined && Object.keys(s.attributes).length > 0);
  return attributes || (sidecar.relations ?? []).length > 0 ? 2 : 1;
}

/** Stable order: by start span, end span, type, then id. */
export function compareRelations(a: AnnotationRelation, b: AnnotationRelation): number {
  const key = (r: AnnotationRelation) => [r.from, r.to, r.type, r.id];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
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
  if (s.attributes !== undefined && Object.keys(s.attributes).length > 0) out.attributes = sortedAttributes(s.attributes);
  if (s.votes !== undefined) out.votes = s.votes.map((v) => ({ author: v.author, verdict: v.verdict, at: v.at }));
  if (s.adjudication !== undefined) out.adjudication = { verdict: s.adjudication.verdict, by: s.adjudication.by, at: s.adjudication.at };
  return out;
}

function sortedAttributes(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function orderedRelation(r: AnnotationRelation): AnnotationRelation {
  const out: AnnotationRelation = {
    id: r.id,
    type: r.type,
    from: r.from,
    to: r.to,
    source: r.source,
    status: r.status,
    author: r.author,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
  if (r.score !== undefined) out.score = r.score;
  if (r.conflict !== undefined) out.conflict = r.conflict;
  return out;
}

/** A relation whose start or end span is not in the sidecar, and which ends are missing. */
export interface DanglingRelation {
  relation: AnnotationRelation;
  missing: ('from' | 'to')[];
}

/**
 * The relations whose ends are not spans of the sidecar. They are kept, not dropped (the span may come back
 * with a merge, or a person decides), and readers report them: an export leaves them out and counts them.
 */
export function danglingRelations(sidecar: Pick<Sidecar, 'spans' | 'relations'>): DanglingRelation[] {
  const ids = new Set(sidecar.spans.map((s) => s.id));
  const out: DanglingRelation[] = [];
  for (const relation of sidecar.relations ?? []) {
    const missing = (['from', 'to'] as const).filter((end) => !ids.has(relation[end]));
    if (missing.length > 0) out.push({ relation, missing });
  }
  return out;
}

const STATUSES: readonly string[] = ['suggested', 'accepted', 'rejected'];
const SOURCE = /^(human|import|model:[^@\s]+@\S+)$/;

/** A span's or relation's `source` as the parser accepts it: `human`, `import` or `model:<name>@<version>`. */
export function isValidSource(source: string): boolean {
  return SOURCE.test(source);
}

/**
 * Parses and validates a sidecar. Any problem is an InputError naming the file, the line and what is
 * wrong; the caller must then leave the file alone (it is the user's data, to fix by hand).
 */
export function parseSidecar(raw: string, file: string): Sidecar {
  const { data, fail } = parseJsonWithLines(raw, file);
  if (!isObject(data)) return fail([], 'a sidecar must be a JSON object');
  if (!SIDECAR_SCHEMA_VERSIONS.includes(data.schemaVersion as number)) {
    return fail(['schemaVersion'], typeof data.schemaVersion === 'number' && data.schemaVersion > SIDECAR_SCHEMA_VERSION
      ? `schemaVersion ${data.schemaVersion} was written by a newer Sidelight; this one reads versions up to ${SIDECAR_SCHEMA_VERSION}`
      : `"schemaVersion" must be ${SIDECAR_SCHEMA_VERSIONS.join(' or ')}`);
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
    if (s.attributes !== undefined) {
      const problem = attributesProblem(s.attributes);
      if (problem) fail(at('attributes'), `span ${i + 1}: ${problem}`);
      if (Object.keys(s.attributes as object).length > 0) span.attributes = { ...(s.attributes as Record<string, string>) };
    }
    if (s.votes !== undefined) {
      if (!Array.isArray(s.votes)) fail(at('votes'), `span ${i + 1}: "votes" must be a list of {"author", "verdict", "at"}`);
      const authors = new Set<string>();
      span.votes = (s.votes as unknown[]).map((v, j) => {
        const problem = decisionProblem(v, 'author');
        if (problem) return fail(at('votes', j), `span ${i + 1}, vote ${j + 1}: ${problem}`);
        const vote = v as SpanVote;
        if (authors.has(vote.author)) fail(at('votes', j), `span ${i + 1}: two votes by ${JSON.stringify(vote.author)}`);
        authors.add(vote.author);
        return { author: vote.author, verdict: vote.verdict, at: vote.at };
      });
    }
    if (s.adjudication !== undefined) {
      const problem = decisionProblem(s.adjudication, 'by');
      if (problem) fail(at('adjudication'), `span ${i + 1}: "adjudication" ${problem}`);
      const a = s.adjudication as Adjudication;
      span.adjudication = { verdict: a.verdict, by: a.by, at: a.at };
    }
    return span;
  });
  const sidecar: Sidecar = { schemaVersion: data.schemaVersion as SidecarVersion, note, noteSha256: data.noteSha256, done: data.done, spans };
  if (data.doneBy !== undefined) {
    if (!Array.isArray(data.doneBy) || !data.doneBy.every((a) => typeof a === 'string' && a.length > 0)) return fail(['doneBy'], '"doneBy" must be a list of annotator names');
    if (data.doneBy.length > 0) sidecar.doneBy = [...new Set(data.doneBy as string[])].sort();
  }
  if (data.adjudicated !== undefined) {
    const a = data.adjudicated;
    if (!isObject(a) || typeof a.by !== 'string' || typeof a.at !== 'string' || Number.isNaN(Date.parse(a.at))) return fail(['adjudicated'], '"adjudicated" must be {"by": "<name>", "at": "<ISO 8601 time>"}');
    sidecar.adjudicated = { by: a.by, at: a.at };
  }
  if (data.relations !== undefined) {
    if (!Array.isArray(data.relations)) return fail(['relations'], '"relations" must be an array');
    const relationIds = new Set<string>();
    sidecar.relations = data.relations.map((r: unknown, i: number) => parseRelation(r, i, relationIds, fail));
  }
  return sidecar;
}

/** Why `value` is not a decision `{<who>: "<name>", "verdict": "accepted" | "rejected", "at": "<time>"}`, or undefined. */
function decisionProblem(value: unknown, who: 'author' | 'by'): string | undefined {
  const shape = `must be {"${who}", "verdict": "accepted" or "rejected", "at": "<ISO 8601 time>"}`;
  if (!isObject(value) || typeof value[who] !== 'string' || (value.verdict !== 'accepted' && value.verdict !== 'rejected') || typeof value.at !== 'string') return shape;
  if (Number.isNaN(Date.parse(value.at))) return `"at" must be an ISO 8601 time`;
  return undefined;
}

/**
 * Why `value` cannot be a span's `attributes`, or undefined: an object of names (like label names) to
 * non-empty strings without control characters (a free-valued attribute may hold spaces).
 */
export function attributesProblem(value: unknown): string | undefined {
  if (!isObject(value)) return '"attributes" must be an object {"<name>": "<value>"}';
  for (const [name, v] of Object.entries(value)) {
    if (labelNameProblem(name)) return `attribute name ${JSON.stringify(name)} must be 1 to 64 characters without spaces or control characters`;
    // eslint-disable-next-line no-control-regex
    if (typeof v !== 'string' || v.length === 0 || /[\u0000-\u001f\u007f]/.test(v)) {
      return `attribute ${JSON.stringify(name)}: the value must be a non-empty string without control characters, not ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

function parseRelation(r: unknown, i: number, ids: Set<string>, fail: (where: JsonPath, problem: string) => never): AnnotationRelation {
  const at = (...rest: JsonPath): JsonPath => ['relations', i, ...rest];
  const what = `relation ${i + 1}`;
  if (!isObject(r)) return fail(at(), `${what} must be an object`);
  const str = (key: string): string =>
    typeof r[key] === 'string' && (r[key] as string).length > 0 ? (r[key] as string) : fail(at(key), `${what}: "${key}" must be a non-empty string`);
  const id = str('id');
  if (ids.has(id)) fail(at('id'), `${what}: duplicate id ${JSON.stringify(id)}`);
  ids.add(id);
  const type = str('type');
  const tp = labelNameProblem(type);
  if (tp) fail(at('type'), `${what}: the type ${tp.replace(/^label /, '').replace(/BIO tag and brat type/, 'brat relation type')}`);
  // Ends are span ids; whether those spans exist is not a parse error (see danglingRelations).
  const from = str('from');
  const to = str('to');
  const source = str('source');
  if (!SOURCE.test(source)) fail(at('source'), `${what}: "source" must be "human", "import" or "model:<name>@<version>"`);
  const status = str('status');
  if (!STATUSES.includes(status)) fail(at('status'), `${what}: "status" must be "suggested", "accepted" or "rejected"`);
  const author = typeof r.author === 'string' ? r.author : fail(at('author'), `${what}: "author" must be a string`);
  const createdAt = str('createdAt');
  const updatedAt = str('updatedAt');
  for (const [key, t] of [['createdAt', createdAt], ['updatedAt', updatedAt]] as const) {
    if (Number.isNaN(Date.parse(t))) fail(at(key), `${what}: "${key}" must be an ISO 8601 time`);
  }
  const relation: AnnotationRelation = { id, type, from, to, source, status: status as SpanStatus, author, createdAt, updatedAt };
  if (r.score !== undefined) {
    if (typeof r.score !== 'number' || !(r.score >= 0 && r.score <= 1)) fail(at('score'), `${what}: "score" must be a number in [0, 1]`);
    relation.score = r.score as number;
  }
  if (r.conflict !== undefined) {
    if (typeof r.conflict !== 'string') fail(at('conflict'), `${what}: "conflict" must be the id of the other version`);
    relation.conflict = r.conflict as string;
  }
  return relation;
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
