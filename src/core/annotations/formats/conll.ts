import { promises as fs } from 'node:fs';
import { InputError } from '../../errors';
import { AnnotationFormat, Doc, DocSpan, ExportResult, ImportContext, ImportResult } from './types';
import { count } from '../../plural';

/**
 * CoNLL-style BIO (IOB2): one `token<TAB>tag` per line, a blank line after each sentence, each note
 * introduced by a comment line `# file = <note path>` (the CoNLL-U comment convention, skipped by most
 * readers) so that an import knows which note the tokens belong to.
 *
 * Offset unit: none — tokens in order. Tokens are runs of letters, marks and digits, or single other
 * non-space characters (punctuation, symbols): `tokenize` below. Sentences end at line breaks and after
 * `.`, `!` or `?` tokens.
 *
 * BIO cannot say everything a sidecar can, and the export says what it dropped:
 * - a token is tagged when any part of it lies in a span (boundaries snap outward to whole tokens);
 * - a discontinuous span becomes one entity per fragment;
 * - where entities overlap, the one starting first (the longer one on ties) wins; the other is skipped;
 * - relations and attributes are left out, and counted.
 * Import aligns the tokens with the note text on disk to recover offsets.
 */

export interface Token {
  text: string;
  start: number;
  end: number;
}

const TOKEN = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** Groups tokens into sentences: a break at a line break between tokens, and after `.`, `!`, `?`. */
export function sentences(text: string, tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (current.length > 0 && /[\r\n]/.test(text.slice(tokens[i - 1].end, t.start))) {
      out.push(current);
      current = [];
    }
    current.push(t);
    if (t.text === '.' || t.text === '!' || t.text === '?') {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** BIO tags for the tokens of `text`; `skipped` counts entities that overlapped an earlier one. */
function bioTags(tokens: Token[], spans: DocSpan[]): { tags: string[]; skipped: number } {
  const tags = new Array<string>(tokens.length).fill('O');
  const entities = spans
    .flatMap((s) => s.fragments.map(([start, end]) => ({ label: s.label, start, end })))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let skipped = 0;
  for (const ent of entities) {
    const first = firstTokenEndingAfter(tokens, ent.start);
    let last = first;
    while (last < tokens.length && tokens[last].start < ent.end) last++;
    if (last === first) continue; // the fragment covers only whitespace
    let free = true;
    for (let k = first; k < last; k++) if (tags[k] !== 'O') free = false;
    if (!free) {
      skipped++;
      continue;
    }
    tags[first] = `B-${ent.label}`;
    for (let k = first + 1; k < last; k++) tags[k] = `I-${ent.label}`;
  }
  return { tags, skipped };
}

function firstTokenEndingAfter(tokens: Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid].end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function exportConll(docs: Doc[]): { text: string; skipped: number } {
  const lines: string[] = [];
  let skipped = 0;
  for (const doc of docs) {
    const tokens = tokenize(doc.text);
    const bio = bioTags(tokens, doc.spans);
    skipped += bio.skipped;
    const index = new Map(tokens.map((t, i) => [t, i]));
    lines.push(`# file = ${doc.note}`);
    // Another comment line (import skips it): whether the note was reviewed completely.
    if (doc.done !== undefined) lines.push(`# done = ${doc.done}`);
    for (const sentence of sentences(doc.text, tokens)) {
      for (const t of sentence) lines.push(`${t.text}\t${bio.tags[index.get(t)!]}`);
      lines.push('');
    }
    if (tokens.length === 0) lines.push('');
  }
  return { text: lines.map((l) => `${l}\n`).join(''), skipped };
}

/**
 * Reads BIO lines back into spans by finding each token in the note's text after the previous one (only
 * whitespace may lie between). `I-X` after `O` or another label starts a new entity (IOB1 files read too).
 * A note with any bad line (a token that does not come next, a tag that is not BIO) yields no document:
 * its error is reported and nothing of it is imported.
 */
async function parseConll(content: string, file: string, readNote: (note: string) => Promise<string | undefined>): Promise<ImportResult> {
  const docs: Doc[] = [];
  const errors: InputError[] = [];
  let doc: Doc | undefined;
  let cursor = 0;
  let open: { label: string; start: number; end: number } | undefined;
  let failed = false;
  const close = () => {
    if (open && doc) doc.spans.push({ label: open.label, fragments: [[open.start, open.end]] });
    open = undefined;
  };
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const header = /^#\s*file\s*=\s*(.+)$/.exec(line);
    if (header) {
      close();
      if (doc && !failed) docs.push(doc);
      failed = false;
      const note = header[1].trim();
      const text = await readNote(note);
      if (text === undefined) {
        errors.push(new InputError(file, `no note ${JSON.stringify(note)} in the workspace`, i + 1));
        doc = undefined;
        failed = true;
      } else doc = { note, text, spans: [] };
      cursor = 0;
      continue;
    }
    if (line.trim() === '' || line.startsWith('# ') || failed) {
      if (line.trim() === '') close();
      continue;
    }
    if (!doc) {
      errors.push(new InputError(file, 'tokens before any "# file = <note>" line: CoNLL import needs it to know the note', i + 1));
      failed = true;
      continue;
    }
    const cols = line.split(/\t| +/);
    const token = cols[0];
    const tag = cols[cols.length - 1];
    const at = doc.text.indexOf(token, cursor);
    if (cols.length < 2 || at < 0 || doc.text.slice(cursor, at).trim() !== '') {
      errors.push(new InputError(file, `token ${JSON.stringify(token)} does not come next in ${doc.note} (after offset ${cursor}); the note may have changed`, i + 1));
      doc = undefined;
      open = undefined;
      failed = true;
      continue;
    }
    cursor = at + token.length;
    const m = /^([BI])-(.+)$/.exec(tag);
    if (!m && tag !== 'O') {
      // The note is not imported at all: keeping the entities read so far would cut the one this tag
      // belongs to short (a truncated span that looks like a real one).
      errors.push(new InputError(file, `tag ${JSON.stringify(tag)} is not O, B-<label> or I-<label>; nothing imported for ${doc.note}`, i + 1));
      doc = undefined;
      open = undefined;
      failed = true;
      continue;
    }
    if (!m) {
      close();
      continue;
    }
    if (m[1] === 'I' && open && open.label === m[2]) open.end = cursor;
    else {
      close();
      open = { label: m[2], start: at, end: cursor };
    }
  }
  close();
  if (doc && !failed) docs.push(doc);
  return { docs, errors };
}

export const conllFormat: AnnotationFormat = {
  name: 'conll',
  offsetUnit: 'token',
  description: 'CoNLL BIO (token<TAB>tag, blank line between sentences, "# file = <note>" per note); tokens, no offsets; discontinuous spans as one entity per fragment; no relations or attributes.',
  exportDocs(docs: Doc[]): ExportResult {
    const { text, skipped } = exportConll(docs);
    const split = docs.reduce((n, d) => n + d.spans.filter((s) => s.fragments.length > 1).length, 0);
    const warnings: string[] = [];
    if (skipped > 0) warnings.push(`${skipped} overlapping entity fragment(s) left out (BIO cannot overlap)`);
    if (split > 0) warnings.push(`${count(split, 'discontinuous span')} written as one entity per fragment`);
    const relations = docs.reduce((n, d) => n + (d.relations?.length ?? 0), 0);
    const attributes = docs.reduce((n, d) => n + d.spans.reduce((m, s) => m + Object.keys(s.attributes ?? {}).length, 0), 0);
    if (relations > 0) warnings.push(`${count(relations, 'relation')} left out (CoNLL BIO cannot hold relations; use jsonl, brat or spacy)`);
    if (attributes > 0) warnings.push(`${count(attributes, 'attribute value')} left out (CoNLL BIO cannot hold attributes; use jsonl, brat or spacy)`);
    return { output: { kind: 'text', text }, warnings };
  },
  async importFile(file: string, context: ImportContext): Promise<ImportResult> {
    return parseConll(await fs.readFile(file, 'utf8'), file, (note) => context.readNote(note));
  },
};
