import * as path from 'node:path';
import { InputError } from '../errors';
import { symlinkBelow, SymlinkRefusedError } from '../fs/symlinks';
import { AnnotationStore } from './annotationStore';
import { Doc, ExportOutput, FormatName, getFormat } from './formats';
import { readNoteText } from './noteFiles';
import { reanchorSpans } from './reanchor';
import { ANNOTATIONS_DIR, workspacePath } from '../workspaceLayout';
import { AnnotationSpan, compareAnnotationSpans, fragmentsPastEnd, labelNameProblem, normalizeNotePath, sha256 } from './sidecar';

/**
 * Whole-workspace import and export, shared by the CLI (`sidelight import|export`) and the editor
 * commands. Both are per note: a malformed sidecar, a missing note or a bad row is reported in `errors`
 * and everything else still goes through.
 *
 * The editor must save open notes (and flush its store) first: exports read the notes from disk.
 */

export interface ExportOptions {
  /** The editor's store, so in-memory state is used; a fresh one otherwise. */
  store?: AnnotationStore;
  /** Also export model suggestions not yet reviewed (default: only accepted spans). */
  includeSuggested?: boolean;
  /** Which notes become rows (default `all`); see ExportNotes. */
  notes?: ExportNotes;
}

/**
 * Which notes an export writes. A row with no spans reads as "nothing to find in this text" to a training
 * job, which is true of a note marked done and false of a note nobody reviewed (e.g. pre-annotated only).
 * - `all`: every note with a sidecar, as it is;
 * - `reviewed`: notes marked done (all their labels; no label means no mention) and notes not done that
 *   have accepted labels (those labels only), each row saying whether its note is done (`Doc.done`);
 *   notes with neither are left out;
 * - `done`: notes marked done only.
 */
export type ExportNotes = 'all' | 'reviewed' | 'done';

export interface WorkspaceExport {
  output: ExportOutput;
  notes: number;
  spans: number;
  /** Spans left out: rejected ones (negative examples), unreviewed suggestions, orphans (no offsets). */
  skipped: { rejected: number; suggested: number; orphan: number };
  /** Rows by review state (`reviewed` and `done` exports): notes marked done, and notes in progress. */
  notesDone: number;
  notesInProgress: number;
  /** Notes left out by `options.notes`: never reviewed (not done, no accepted label), or in progress (`done` only). */
  notesLeftOut: { unreviewed: number; inProgress: number };
  warnings: string[];
  errors: InputError[];
}

/** Exports every note that has a sidecar. Read-only: sidecars are re-anchored in memory when needed. */
export async function exportWorkspace(workspaceDir: string, format: FormatName | string, options: ExportOptions = {}): Promise<WorkspaceExport> {
  const fmt = getFormat(format);
  const store = options.store ?? new AnnotationStore(workspaceDir, { author: '' });
  const docs: Doc[] = [];
  const errors: InputError[] = [];
  const skipped = { rejected: 0, suggested: 0, orphan: 0 };
  const scope = options.notes ?? 'all';
  const leftOut = { unreviewed: 0, inProgress: 0 };
  const linked = await annotationsLinkError(workspaceDir, 'nothing exported');
  if (linked) return { ...fmt.exportDocs([]), notes: 0, spans: 0, skipped, notesDone: 0, notesInProgress: 0, notesLeftOut: leftOut, errors: [linked] };
  let count = 0;
  for (const note of await store.listNotes()) {
    let spans: readonly AnnotationSpan[];
    let sha: string;
    let done: boolean;
    try {
      const sidecar = await store.get(note);
      spans = sidecar.spans;
      sha = sidecar.noteSha256;
      done = sidecar.done;
    } catch (e) {
      if (e instanceof InputError) {
        errors.push(e);
        continue;
      }
      throw e;
    }
    let text: string;
    try {
      text = await readNoteText(workspaceDir, note);
    } catch (e) {
      if (e instanceof SymlinkRefusedError) errors.push(new InputError(note, `${e.message}; its ${spans.length} span(s) were not exported`));
      else if (spans.length > 0) errors.push(new InputError(note, `the note is missing: its ${spans.length} span(s) were not exported`));
      continue;
    }
    if (sha !== sha256(text) && spans.length > 0) spans = reanchorSpans(text, spans).spans;
    const kept = [...spans].sort(compareAnnotationSpans).filter((s) => {
      const past = s.flags.includes('orphan') ? undefined : fragmentsPastEnd(s.fragments, text.length);
      if (past) {
        // Offsets from a hand-edited or pulled sidecar that do not fit the note: exporting them would
        // print spans that point nowhere (and make brat walk billions of offsets).
        errors.push(new InputError(sidecarRelPath(note), `span ${s.id}: ${past}; not exported`));
        return false;
      }
      if (s.status === 'rejected') skipped.rejected++;
      else if (s.status === 'suggested' && !options.includeSuggested) skipped.suggested++;
      else if (s.flags.includes('orphan')) skipped.orphan++;
      else return true;
      return false;
    });
    if (scope !== 'all' && !done) {
      const labelled = kept.some((s) => s.status === 'accepted');
      if (!labelled || scope === 'done') {
        if (labelled) leftOut.inProgress++;
        else leftOut.unreviewed++;
        continue;
      }
    }
    count += kept.length;
    const doc: Doc = { note, text, spans: kept.map((s) => (s.score === undefined ? { label: s.label, fragments: s.fragments } : { label: s.label, fragments: s.fragments, score: s.score })) };
    if (scope !== 'all') doc.done = done;
    docs.push(doc);
  }
  const result = fmt.exportDocs(docs);
  const notesDone = docs.filter((d) => d.done === true).length;
  return {
    output: result.output,
    notes: docs.length,
    spans: count,
    skipped,
    notesDone,
    notesInProgress: docs.filter((d) => d.done === false).length,
    notesLeftOut: leftOut,
    warnings: result.warnings,
    errors,
  };
}

export interface ImportOptions {
  store?: AnnotationStore;
  /** Author of the imported spans (default "import"). */
  author?: string;
  /**
   * Source of the imported spans: `import` (default; status accepted) or `model:<name>@<version>` to
   * bring in predictions as suggestions to review.
   */
  source?: string;
}

export interface ImportReport {
  /** Notes that received rows. */
  notes: number;
  added: number;
  /** Spans already present (same label and fragments): nothing added. */
  duplicates: number;
  errors: InputError[];
}

/**
 * Imports `file` (a folder for brat) into the workspace's sidecars. Each row's or file's text must equal
 * the note on disk (otherwise its offsets would point elsewhere); only spans not already there are added.
 */
export async function importFile(workspaceDir: string, format: FormatName | string, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  const fmt = getFormat(format);
  const linked = await annotationsLinkError(workspaceDir, 'nothing imported');
  if (linked) return { notes: 0, added: 0, duplicates: 0, errors: [linked] };
  const store = options.store ?? new AnnotationStore(workspaceDir, { author: options.author ?? 'import', saveDelayMs: 0 });
  const texts = new Map<string, string | undefined>();
  const readNote = async (note: string): Promise<string | undefined> => {
    let key: string;
    try {
      key = normalizeNotePath(note);
    } catch {
      return undefined;
    }
    if (!texts.has(key)) {
      texts.set(key, await readNoteText(workspaceDir, key).catch(() => undefined));
    }
    return texts.get(key);
  };
  const parsed = await fmt.importFile(path.resolve(file), { workspaceDir, readNote });
  const report: ImportReport = { notes: 0, added: 0, duplicates: 0, errors: [...parsed.errors] };
  const touched = new Set<string>();
  const source = options.source ?? 'import';
  const status = source.startsWith('model:') ? 'suggested' : 'accepted';
  for (const doc of parsed.docs) {
    try {
      const note = normalizeNotePath(doc.note);
      const text = await readNote(note);
      if (text === undefined) throw new InputError(file, `no note ${JSON.stringify(doc.note)} in the workspace`);
      if (text !== doc.text) throw new InputError(file, `the text given for ${note} differs from the note on disk (first difference at offset ${firstDifference(text, doc.text)}); not imported`);
      const badLabel = doc.spans.map((s) => labelNameProblem(s.label)).find((p) => p !== undefined);
      if (badLabel) throw new InputError(file, `${note}: ${badLabel}; not imported`);
      await store.open(note, text); // re-anchors existing spans first if the note changed since
      const result = await store.importSpans(
        note,
        text,
        doc.spans.map((s) => ({ label: s.label, fragments: s.fragments, score: s.score, source, status, author: options.author ?? 'import' })),
      );
      report.added += result.added.length;
      report.duplicates += result.duplicates;
      touched.add(note);
    } catch (e) {
      if (e instanceof InputError) report.errors.push(e);
      else throw e;
    }
  }
  report.notes = touched.size;
  await store.flush();
  return report;
}

/**
 * A linked `.sidelight` or `.sidelight/annotations` would make an export read, and an import write,
 * sidecars outside the workspace: the error to report instead, or undefined.
 */
async function annotationsLinkError(workspaceDir: string, consequence: string): Promise<InputError | undefined> {
  const link = await symlinkBelow(workspaceDir, workspacePath(workspaceDir, ANNOTATIONS_DIR));
  return link === undefined ? undefined : new InputError(ANNOTATIONS_DIR, `${new SymlinkRefusedError(link).message}; ${consequence}`);
}

/** `.sidelight/annotations/<note>.json`, as errors name it. */
function sidecarRelPath(note: string): string {
  return `${ANNOTATIONS_DIR}/${note}.json`;
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}
