import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import { readTextIfExists } from '../../fs/notFound';
import { OffsetConverter } from '../codePoints';
import { relativeToWorkspace } from '../noteFiles';
import { Fragment, fragmentsText } from '../sidecar';
import { AnnotationFormat, Doc, DocRelation, DocSpan, ExportResult, ImportContext, ImportResult } from './types';
import { count } from '../../plural';

/**
 * brat standoff: a `.ann` file beside each `.txt`, one text-bound annotation per line,
 * `T1<TAB>ADE 0 6;16 21<TAB>text`, fragments separated by `;`, the text being the fragments joined by a
 * space.
 *
 * Offset unit: brat's server is Python and indexes the `.txt` as a `str`, i.e. in code points (on the raw
 * text: a CRLF counts two), so export converts our UTF-16 offsets to code points and import converts back.
 *
 * Attributes are `A` lines (`A1<TAB>assertion T1 absent`), relations `R` lines (`R1<TAB>caused_by
 * Arg1:T1 Arg2:T2`), brat's native forms.
 *
 * brat does not allow a fragment to cross a line break (the `.ann` line would break), so export splits
 * such a fragment at the line break into several fragments, as brat's own editor does.
 */

/** The `.ann` content for one text. */
export function exportBratAnn(text: string, spans: DocSpan[], relations: DocRelation[] = []): string {
  return exportBratDoc(text, spans, relations).ann;
}

/** What a `.ann` could not hold: relations whose span had no text to write, values with whitespace. */
export interface BratLeftOut {
  relations: number;
  attributes: number;
}

/**
 * The `.ann` of one text: `T` lines for the spans, then `A` lines for their attributes
 * (`A1<TAB>assertion T1 absent`) and `R` lines for the relations (`R1<TAB>caused_by Arg1:T1 Arg2:T2`,
 * Arg1 the span the relation starts at).
 */
export function exportBratDoc(text: string, spans: DocSpan[], relations: DocRelation[] = []): { ann: string; leftOut: BratLeftOut } {
  const conv = new OffsetConverter(text);
  const lines: string[] = [];
  const leftOut: BratLeftOut = { relations: 0, attributes: 0 };
  const tIds: (string | undefined)[] = [];
  let t = 0;
  for (const span of spans) {
    const fragments = splitAtLineBreaks(text, span.fragments);
    if (fragments.length === 0) {
      tIds.push(undefined);
      continue;
    }
    const offsets = fragments.map(([s, e]) => `${conv.toCodePoint(s)} ${conv.toCodePoint(e)}`).join(';');
    const id = `T${++t}`;
    tIds.push(id);
    lines.push(`${id}\t${span.label} ${offsets}\t${fragmentsText(text, fragments)}`);
  }
  let a = 0;
  spans.forEach((span, i) => {
    for (const [name, value] of Object.entries(span.attributes ?? {})) {
      // A value is one word after the span id; a free-valued one with a space has no place.
      if (tIds[i] === undefined || /\s/.test(value)) leftOut.attributes++;
      else lines.push(`A${++a}\t${name} ${tIds[i]} ${value}`);
    }
  });
  let r = 0;
  for (const rel of relations) {
    const [from, to] = [tIds[rel.from], tIds[rel.to]];
    if (from === undefined || to === undefined) leftOut.relations++;
    else lines.push(`R${++r}\t${rel.type} Arg1:${from} Arg2:${to}`);
  }
  return { ann: lines.map((l) => `${l}\n`).join(''), leftOut };
}

function splitAtLineBreaks(text: string, fragments: Fragment[]): Fragment[] {
  const out: Fragment[] = [];
  const lineBreak = /[\r\n]/g;
  for (const [s, e] of fragments) {
    // Jump from line break to line break (not one code unit at a time), and never past the text: the
    // cost follows the text, whatever offsets a damaged sidecar holds.
    const end = Math.min(e, text.length);
    let start = s;
    lineBreak.lastIndex = s;
    for (let m = lineBreak.exec(text); m && m.index < end; m = lineBreak.exec(text)) {
      if (m.index > start) out.push([start, m.index]);
      start = m.index + 1;
    }
    if (end > start) out.push([start, end]);
  }
  return out;
}

/**
 * Reads a `.ann` for `text`: text-bound annotations (`T…`) become spans, attributes (`A…`, and the older
 * `M…`) span attributes (a binary one, `A1<TAB>Negated T1`, gets the value `true`), relations (`R…`, the
 * first argument being the start) relations. Events, equivalences and notes have no place in Sidelight
 * and are skipped. A line that cannot be read, or that names a span the file lacks, is reported with its
 * line number.
 */
export function parseBratAnn(content: string, text: string, file: string): { spans: DocSpan[]; relations: DocRelation[]; errors: InputError[] } {
  const conv = new OffsetConverter(text);
  const spans: DocSpan[] = [];
  const relations: DocRelation[] = [];
  const errors: InputError[] = [];
  const index = new Map<string, number>();
  const later: { line: string; no: number }[] = [];
  content.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^[RAM]/.test(line)) later.push({ line, no: i + 1 });
    if (!line.startsWith('T')) return;
    const fail = (problem: string) => errors.push(new InputError(file, problem, i + 1));
    const parts = line.split('\t');
    if (parts.length < 2) return fail('a text-bound line must be "T<n><TAB><type> <start> <end>[;<start> <end>…]<TAB><text>"');
    const m = /^(\S+) (\d+ \d+(?:;\d+ \d+)*)$/.exec(parts[1]);
    if (!m) return fail(`cannot read "${parts[1]}" as "<type> <start> <end>[;<start> <end>…]"`);
    const fragments: Fragment[] = m[2].split(';').map((pair) => {
      const [s, e] = pair.split(' ').map(Number);
      return [conv.toUtf16(s), conv.toUtf16(e)];
    });
    fragments.sort((a, b) => a[0] - b[0]);
    if (fragments.some(([s, e]) => e <= s || e > text.length)) return fail(`offsets ${m[2]} are empty or past the end of the text`);
    if (parts.length >= 3) {
      const expected = fragmentsText(text, fragments);
      if (parts.slice(2).join('\t') !== expected) {
        return fail(`the annotation's text ${JSON.stringify(parts.slice(2).join('\t'))} is not what its offsets cover in the .txt (${JSON.stringify(expected)})`);
      }
    }
    index.set(parts[0], spans.length);
    spans.push({ label: m[1], fragments: mergeAdjacent(fragments) });
  });
  // Relations and attributes may come before the spans they name, so they are read once all spans are.
  for (const { line, no } of later) {
    const fail = (problem: string) => errors.push(new InputError(file, problem, no));
    const parts = line.split('\t');
    const ref = (id: string): number | undefined => {
      const k = index.get(id);
      if (k === undefined) fail(`${parts[0]} names ${id}, which is not a text-bound annotation of this file (or one that could not be read)`);
      return k;
    };
    if (line.startsWith('R')) {
      const m = /^(\S+) \S+?:(\S+) \S+?:(\S+)$/.exec(parts[1] ?? '');
      if (!m) {
        fail(`cannot read "${parts[1] ?? ''}" as "<type> Arg1:<T id> Arg2:<T id>"`);
        continue;
      }
      const from = ref(m[2]);
      const to = ref(m[3]);
      if (from !== undefined && to !== undefined) relations.push({ type: m[1], from, to });
    } else {
      const m = /^(\S+) (\S+)(?: (\S+))?$/.exec(parts[1] ?? '');
      if (!m) {
        fail(`cannot read "${parts[1] ?? ''}" as "<name> <T id> [<value>]"`);
        continue;
      }
      const k = ref(m[2]);
      if (k !== undefined) spans[k].attributes = { ...spans[k].attributes, [m[1]]: m[3] ?? 'true' };
    }
  }
  return { spans, relations, errors };
}

/** Overlapping or touching fragments become one (Sidelight's fragments never overlap). */
function mergeAdjacent(fragments: Fragment[]): Fragment[] {
  const out: Fragment[] = [];
  for (const f of fragments) {
    const prev = out[out.length - 1];
    if (prev && f[0] <= prev[1]) prev[1] = Math.max(prev[1], f[1]);
    else out.push([f[0], f[1]]);
  }
  return out;
}

/** `notes/a.txt` → `notes/a` (the pair `a.txt` + `a.ann`); any other note keeps its name: `a.md.txt`, `a.md.ann`. */
function bratBaseName(note: string): string {
  return note.endsWith('.txt') ? note.slice(0, -4) : note;
}

async function annFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await annFilesUnder(full)));
    else if (entry.name.endsWith('.ann')) out.push(full);
  }
  return out.sort();
}

export const bratFormat: AnnotationFormat = {
  name: 'brat',
  offsetUnit: 'codepoint',
  description: 'brat standoff: a .ann beside each .txt (a folder); code-point offsets; discontinuous spans as "s e;s e"; relations as R lines, attributes as A lines.',
  exportDocs(docs: Doc[]): ExportResult {
    const files = new Map<string, string>();
    const leftOut: BratLeftOut = { relations: 0, attributes: 0 };
    for (const doc of docs) {
      const base = bratBaseName(doc.note);
      // brat needs the text beside the annotations; it is the note exactly as saved.
      files.set(`${base}.txt`, doc.text);
      const out = exportBratDoc(doc.text, doc.spans, doc.relations);
      files.set(`${base}.ann`, out.ann);
      leftOut.relations += out.leftOut.relations;
      leftOut.attributes += out.leftOut.attributes;
    }
    const warnings: string[] = [];
    if (leftOut.attributes > 0) warnings.push(`${count(leftOut.attributes, 'attribute value')} left out (brat writes a value as one word; these hold spaces)`);
    if (leftOut.relations > 0) warnings.push(`${count(leftOut.relations, 'relation')} left out (a span they join has no text brat can hold)`);
    return { output: { kind: 'files', files }, warnings };
  },
  /**
   * `file` is one `.ann` or a folder of them. Each `.ann` belongs to the note beside it when it lies in
   * the workspace; otherwise to the workspace note at the same relative path under the imported folder.
   */
  async importFile(file: string, context: ImportContext): Promise<ImportResult> {
    const stat = await fs.stat(file);
    const root = stat.isDirectory() ? file : path.dirname(file);
    const annFiles = stat.isDirectory() ? await annFilesUnder(file) : [file];
    const docs: Doc[] = [];
    const errors: InputError[] = [];
    for (const ann of annFiles) {
      const base = ann.slice(0, -'.ann'.length);
      const txt = await readTextIfExists(`${base}.txt`);
      if (txt === undefined) {
        errors.push(new InputError(ann, `no ${path.basename(base)}.txt beside it: brat offsets need the text`));
        continue;
      }
      const inWorkspace = relativeToWorkspace(context.workspaceDir, `${base}.txt`);
      const relBase = path.relative(root, base).split(path.sep).join('/');
      const candidates = inWorkspace ? [inWorkspace] : [`${relBase}.txt`, relBase];
      let note: string | undefined;
      for (const c of candidates) if ((await context.readNote(c)) !== undefined) {
        note = c;
        break;
      }
      if (!note) {
        errors.push(new InputError(ann, `no note ${candidates.map((c) => JSON.stringify(c)).join(' or ')} in the workspace for it`));
        continue;
      }
      const parsed = parseBratAnn(await fs.readFile(ann, 'utf8'), txt, ann);
      errors.push(...parsed.errors);
      docs.push({ note, text: txt, spans: parsed.spans, ...(parsed.relations.length > 0 ? { relations: parsed.relations } : {}) });
    }
    return { docs, errors };
  },
};
