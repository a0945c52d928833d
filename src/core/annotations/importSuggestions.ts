import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { InputError } from '../errors';
import { AnnotationStore } from './annotationStore';
import { readNoteText } from './noteFiles';
import { fragmentsProblem, fragmentsText, normalizeNotePath, type Fragment } from './sidecar';

/**
 * `sidelight import --as-suggestions`: predictions made elsewhere (the Spark job, docs/spark.md, or any
 * `predict` output) become pre-annotations to review, exactly as the editor's "Pre-annotate" makes them:
 * status `suggested`, source `model:<name>@<version>` taken from each row (rows of several model versions
 * can be imported together), never over text that already has a span, never twice.
 *
 * A corpus-wide output usually holds far more notes than the workspace being labelled, and the notes that
 * changed since they were predicted keep their old rows; neither is a mistake, so both are counted and
 * skipped. Only malformed rows are errors.
 */

export interface SuggestionImportOptions {
  store?: AnnotationStore;
  /** Folder (relative to the workspace) that the rows' ids are relative to, e.g. `notes` for `notes/a.txt`. */
  notesDir?: string;
  /** Source for rows that do not name their model (`model_name`/`model_version`): `model:<name>@<version>`. */
  source?: string;
  author?: string;
}

export interface SuggestionImportReport {
  rows: number;
  /** Notes that received suggestions (or already had them all). */
  notes: number;
  added: number;
  /** Same label and fragments already there. */
  duplicates: number;
  /** Over text that already has a span (accepted, rejected or suggested): skipped, as Pre-annotate does. */
  overlapping: number;
  /** Rows naming no note of this workspace. */
  notInWorkspace: number;
  /** Rows predicted on another version of the note's text (its offsets would point elsewhere). */
  stale: number;
  /** Rows the job could not predict (`error` set). */
  failedRows: number;
  errors: InputError[];
}

interface Row {
  id?: unknown;
  file?: unknown;
  text?: unknown;
  spans?: unknown;
  model_name?: unknown;
  model_version?: unknown;
  error?: unknown;
}

/** The JSONL files under `input`: the file itself, or a folder's `*.json`/`*.jsonl` (Spark's part files). */
export async function suggestionFiles(input: string): Promise<string[]> {
  const stat = await fs.stat(input).catch(() => undefined);
  if (!stat) throw new InputError(input, 'not found');
  if (!stat.isDirectory()) return [input];
  const out: string[] = [];
  for (const f of (await fs.readdir(input, { recursive: true })).map(String).sort()) {
    const base = path.basename(f);
    // _SUCCESS, .crc checksums and Spark's _temporary attempts are not rows.
    if (base.startsWith('_') || base.startsWith('.') || f.split(path.sep).some((p) => p.startsWith('_'))) continue;
    if (/\.jsonl?$/.test(base)) out.push(path.join(input, f));
  }
  if (!out.length) throw new InputError(input, 'holds no .json or .jsonl files (Parquet output: run the job with --output-format jsonl to import)');
  return out;
}

export async function importSuggestions(workspaceDir: string, inputs: string[], options: SuggestionImportOptions = {}): Promise<SuggestionImportReport> {
  const author = options.author ?? 'import';
  const store = options.store ?? new AnnotationStore(workspaceDir, { author, saveDelayMs: 0 });
  const report: SuggestionImportReport = { rows: 0, notes: 0, added: 0, duplicates: 0, overlapping: 0, notInWorkspace: 0, stale: 0, failedRows: 0, errors: [] };
  const touched = new Set<string>();
  const texts = new Map<string, string | null>();
  const noteText = async (note: string): Promise<string | null> => {
    if (!texts.has(note)) texts.set(note, await readNoteText(workspaceDir, note).catch(() => null));
    return texts.get(note) ?? null;
  };
  const prefix = options.notesDir ? options.notesDir.replace(/\\/g, '/').replace(/\/+$/, '') + '/' : '';

  for (const file of inputs) {
    const lines = readline.createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      if (!raw.trim()) continue;
      report.rows++;
      const fail = (problem: string) => report.errors.push(new InputError(file, problem, lineNo));
      let row: Row;
      try {
        row = JSON.parse(raw) as Row;
      } catch (e) {
        fail(`not valid JSON (${(e as Error).message})`);
        continue;
      }
      if (!row || typeof row !== 'object' || Array.isArray(row)) {
        fail('a row must be a JSON object');
        continue;
      }
      if (row.error !== undefined && row.error !== null) {
        report.failedRows++;
        continue;
      }
      const name = typeof row.file === 'string' ? row.file : typeof row.id === 'string' || typeof row.id === 'number' ? prefix + String(row.id) : undefined;
      if (!name) {
        fail('the row names no note ("file", or "id" relative to --notes-dir)');
        continue;
      }
      let source = options.source;
      if (typeof row.model_name === 'string' && typeof row.model_version === 'string') source = `model:${row.model_name}@${row.model_version}`;
      if (!source) {
        fail('the row does not say which model made it (model_name, model_version): pass --source model:<name>@<version>');
        continue;
      }
      if (typeof row.text !== 'string' || !Array.isArray(row.spans)) {
        fail('the row needs "text" and "spans"');
        continue;
      }
      let note: string;
      try {
        note = normalizeNotePath(name);
      } catch {
        report.notInWorkspace++;
        continue;
      }
      const text = await noteText(note);
      if (text === null) {
        report.notInWorkspace++;
        continue;
      }
      if (text !== row.text) {
        report.stale++;
        continue;
      }
      const rowText = row.text;
      const items = [];
      let bad = false;
      for (const [k, s] of (row.spans as Record<string, unknown>[]).entries()) {
        const fragments: Fragment[] = Array.isArray(s?.fragments) ? (s.fragments as Fragment[]) : [[s?.start as number, s?.end as number]];
        const problem = typeof s?.label !== 'string' || !s.label ? 'no "label"' : fragmentsProblem(fragments) ?? (fragments[fragments.length - 1][1] > rowText.length ? 'past the end of the text' : undefined);
        if (problem || (typeof s.text === 'string' && s.text !== fragmentsText(rowText, fragments))) {
          fail(`span ${k + 1}: ${problem ?? `"text" ${JSON.stringify(s.text)} is not what its offsets cover (UTF-16 offsets expected)`}`);
          bad = true;
          break;
        }
        items.push({ label: s.label as string, fragments, score: typeof s.score === 'number' ? s.score : undefined, source, status: 'suggested' as const, author });
      }
      if (bad) continue;
      await store.open(note, text); // re-anchors existing spans first if the note changed since
      const r = await store.importSpans(note, text, items, { skipOverlapping: true });
      report.added += r.added.length;
      report.duplicates += r.duplicates;
      report.overlapping += r.overlapping;
      touched.add(note);
    }
  }
  report.notes = touched.size;
  await store.flush();
  return report;
}
