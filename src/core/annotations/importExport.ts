import * as path from 'node:path';
import { InputError } from '../errors';
import { symlinkBelow, SymlinkRefusedError } from '../fs/symlinks';
import { goldSpans } from './adjudication';
import { AnnotationStore } from './annotationStore';
import { Doc, DocRelation, DocSpan, ExportOutput, FormatName, getFormat } from './formats';
import { addLinksToSidecarFile, docHasLinks } from './importLinks';
import { readNoteText } from './noteFiles';
import { reanchorSpans } from './reanchor';
import { ANNOTATIONS_DIR, workspacePath } from '../workspaceLayout';
import { AnnotationRelation, AnnotationSpan, compareAnnotationSpans, compareRelations, fragmentsPastEnd, labelNameProblem, normalizeNotePath, sha256 } from './sidecar';
import { count as countOf } from '../plural';

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
 * - `done`: notes marked done only;
 * - `gold`: adjudicated notes only (*Adjudicate note*), with their gold labels (adjudication.ts): what
 *   every annotator accepted and what the adjudicator accepted where they disagreed.
 */
export type ExportNotes = 'all' | 'reviewed' | 'done' | 'gold';

export interface WorkspaceExport {
  output: ExportOutput;
  notes: number;
  spans: number;
  /**
   * Spans left out: rejected ones (negative examples), unreviewed suggestions, orphans (no offsets); and
   * relations left out: rejected or unreviewed ones, and those whose span was left out or is missing.
   */
  skipped: { rejected: number; suggested: number; orphan: number; relations?: number };
  /** Relations written. */
  relations: number;
  /** Rows by review state (`reviewed` and `done` exports): notes marked done, and notes in progress. */
  notesDone: number;
  notesInProgress: number;
  /**
   * Notes left out by `options.notes`: never reviewed (not done, no accepted label), in progress (`done`
   * only), or not adjudicated (`gold` only).
   */
  notesLeftOut: { unreviewed: number; inProgress: number; notAdjudicated?: number };
  warnings: string[];
  errors: InputError[];
}

/** Exports every note that has a sidecar. Read-only: sidecars are re-anchored in memory when needed. */
export async function exportWorkspace(workspaceDir: string, format: FormatName | string, options: ExportOptions = {}): Promise<WorkspaceExport> {
  const fmt = getFormat(format);
  const store = options.store ?? new AnnotationStore(workspaceDir, { author: '' });
  const docs: Doc[] = [];
  const errors: InputError[] = [];
  const skipped = { rejected: 0, suggested: 0, orphan: 0, relations: 0 };
  let relationCount = 0;
  const scope = options.notes ?? 'all';
  const leftOut: WorkspaceExport['notesLeftOut'] = scope === 'gold' ? { unreviewed: 0, inProgress: 0, notAdjudicated: 0 } : { unreviewed: 0, inProgress: 0 };
  const linked = await annotationsLinkError(workspaceDir, 'nothing exported');
  if (linked) return { ...fmt.exportDocs([]), notes: 0, spans: 0, relations: 0, skipped, notesDone: 0, notesInProgress: 0, notesLeftOut: leftOut, errors: [linked] };
  let count = 0;
  for (const note of await store.listNotes()) {
    let spans: readonly AnnotationSpan[];
    let relations: readonly AnnotationRelation[];
    let sha: string;
    let done: boolean;
    try {
      const sidecar = await store.get(note);
      const gold = scope === 'gold' ? goldSpans(sidecar) : undefined;
      if (scope === 'gold' && !gold) {
        leftOut.notAdjudicated!++;
        continue;
      }
      spans = gold ?? sidecar.spans;
      relations = sidecar.relations ?? [];
      sha = sidecar.noteSha256;
      done = sidecar.done || gold !== undefined;
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
    const doc: Doc = { note, text, spans: kept.map(toDocSpan) };
    const docRelations = exportedRelations(kept, relations, options.includeSuggested === true);
    skipped.relations += relations.length - docRelations.length;
    relationCount += docRelations.length;
    if (docRelations.length > 0) doc.relations = docRelations;
    if (scope !== 'all') doc.done = done;
    docs.push(doc);
  }
  const result = fmt.exportDocs(docs);
  const notesDone = docs.filter((d) => d.done === true).length;
  const warnings = [...result.warnings];
  if (skipped.relations > 0) {
    warnings.push(`${countOf(skipped.relations, 'relation')} left out: rejected, not reviewed, or joining a span that was left out or is missing`);
  }
  return {
    output: result.output,
    notes: docs.length,
    spans: count,
    relations: relationCount,
    skipped,
    notesDone,
    notesInProgress: docs.filter((d) => d.done === false).length,
    notesLeftOut: leftOut,
    warnings,
    errors,
  };
}

function toDocSpan(s: AnnotationSpan): DocSpan {
  const out: DocSpan = { label: s.label, fragments: s.fragments };
  if (s.score !== undefined) out.score = s.score;
  if (s.attributes !== undefined && Object.keys(s.attributes).length > 0) out.attributes = { ...s.attributes };
  return out;
}

/**
 * The relations to write, by index in `kept` (the spans exported): the status rule of spans (accepted,
 * and suggested when asked), and both ends exported. A dangling relation is never written.
 */
function exportedRelations(kept: readonly AnnotationSpan[], relations: readonly AnnotationRelation[], includeSuggested: boolean): DocRelation[] {
  const index = new Map(kept.map((s, i) => [s.id, i]));
  const out: DocRelation[] = [];
  for (const r of [...relations].sort(compareRelations)) {
    if (r.status === 'rejected' || (r.status === 'suggested' && !includeSuggested)) continue;
    const from = index.get(r.from);
    const to = index.get(r.to);
    if (from !== undefined && to !== undefined) out.push({ type: r.type, from, to });
  }
  return out;
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
  /** Spans already present from another annotator: the importing author's vote added to them (votes.ts). */
  voted: number;
  /** Relations added, and those already present (same type and spans). */
  relationsAdded: number;
  relationsDuplicate: number;
  /** Attribute values set on spans that had none; values left because the span had another one. */
  attributesSet: number;
  attributesKept: number;
  errors: InputError[];
}

/**
 * Imports `file` (a folder for brat) into the workspace's sidecars. Each row's or file's text must equal
 * the note on disk (otherwise its offsets would point elsewhere); only spans not already there are added.
 */
export async function importFile(workspaceDir: string, format: FormatName | string, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  const fmt = getFormat(format);
  const linked = await annotationsLinkError(workspaceDir, 'nothing imported');
  if (linked) return { notes: 0, added: 0, duplicates: 0, voted: 0, ...NO_LINKS_REPORT, errors: [linked] };
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
  const report: ImportReport = { notes: 0, added: 0, duplicates: 0, voted: 0, ...NO_LINKS_REPORT, errors: [...parsed.errors] };
  const withLinks: { note: string; doc: Doc }[] = [];
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
      report.voted += result.voted;
      touched.add(note);
      if (docHasLinks(doc)) withLinks.push({ note, doc });
    } catch (e) {
      if (e instanceof InputError) report.errors.push(e);
      else throw e;
    }
  }
  report.notes = touched.size;
  await store.flush();
  // The store has no relations of its own yet: they are added to the written file, which the store then
  // reads back as another writer's version.
  const origin = { source, status, author: options.author ?? 'import', now: new Date().toISOString() } as const;
  for (const { note, doc } of withLinks) {
    try {
      const links = await addLinksToSidecarFile(workspaceDir, note, doc, origin);
      report.relationsAdded += links.relationsAdded;
      report.relationsDuplicate += links.relationsDuplicate;
      report.attributesSet += links.attributesSet;
      report.attributesKept += links.attributesKept;
      await store.refreshFromDisk(note);
    } catch (e) {
      if (e instanceof InputError) report.errors.push(e);
      else throw e;
    }
  }
  return report;
}

const NO_LINKS_REPORT = { relationsAdded: 0, relationsDuplicate: 0, attributesSet: 0, attributesKept: 0 };

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
