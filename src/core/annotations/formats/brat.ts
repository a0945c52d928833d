import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import { readTextIfExists } from '../../fs/notFound';
import { OffsetConverter } from '../codePoints';
import { relativeToWorkspace } from '../noteFiles';
import { Fragment, fragmentsText } from '../sidecar';
import { AnnotationFormat, Doc, DocSpan, ExportResult, ImportContext, ImportResult } from './types';

/**
 * brat standoff: a `.ann` file beside each `.txt`, one text-bound annotation per line,
 * `T1<TAB>ADE 0 6;16 21<TAB>text`, fragments separated by `;`, the text being the fragments joined by a
 * space.
 *
 * Offset unit: brat's server is Python and indexes the `.txt` as a `str`, i.e. in code points (on the raw
 * text: a CRLF counts two), so export converts our UTF-16 offsets to code points and import converts back.
 *
 * brat does not allow a fragment to cross a line break (the `.ann` line would break), so export splits
 * such a fragment at the line break into several fragments, as brat's own editor does.
 */

/** The `.ann` content for one text. */
export function exportBratAnn(text: string, spans: DocSpan[]): string {
  const conv = new OffsetConverter(text);
  const lines: string[] = [];
  let n = 0;
  for (const span of spans) {
    const fragments = splitAtLineBreaks(text, span.fragments);
    if (fragments.length === 0) continue;
    const offsets = fragments.map(([s, e]) => `${conv.toCodePoint(s)} ${conv.toCodePoint(e)}`).join(';');
    lines.push(`T${++n}\t${span.label} ${offsets}\t${fragmentsText(text, fragments)}`);
  }
  return lines.map((l) => `${l}\n`).join('');
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
 * Reads the text-bound annotations (`T…` lines) of a `.ann` for `text`; other kinds (relations, events,
 * attributes, notes) are not spans in Sidelight and are skipped. A line whose text does not match its
 * offsets is reported with its line number.
 */
export function parseBratAnn(content: string, text: string, file: string): { spans: DocSpan[]; errors: InputError[] } {
  const conv = new OffsetConverter(text);
  const spans: DocSpan[] = [];
  const errors: InputError[] = [];
  content.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
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
    spans.push({ label: m[1], fragments: mergeAdjacent(fragments) });
  });
  return { spans, errors };
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
  description: 'brat standoff: a .ann beside each .txt (a folder); code-point offsets; discontinuous spans as "s e;s e".',
  exportDocs(docs: Doc[]): ExportResult {
    const files = new Map<string, string>();
    for (const doc of docs) {
      const base = bratBaseName(doc.note);
      // brat needs the text beside the annotations; it is the note exactly as saved.
      files.set(`${base}.txt`, doc.text);
      files.set(`${base}.ann`, exportBratAnn(doc.text, doc.spans));
    }
    return { output: { kind: 'files', files }, warnings: [] };
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
      docs.push({ note, text: txt, spans: parsed.spans });
    }
    return { docs, errors };
  },
};
