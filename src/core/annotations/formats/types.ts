import { InputError } from '../../errors';
import { Fragment } from '../sidecar';

/**
 * What every import/export format shares. Inside Sidelight, spans are always UTF-16 offsets; each format
 * declares the unit it writes (`offsetUnit`) and converts at its edge.
 */

/** `utf16`: JavaScript string offsets. `codepoint`: Python `str` indices. `token`: no offsets, tokens in order. */
export type OffsetUnit = 'utf16' | 'codepoint' | 'token';

export interface DocSpan {
  label: string;
  /** UTF-16, sorted, end exclusive. */
  fragments: Fragment[];
  score?: number;
  /** `{name: value}`, e.g. `{"assertion": "absent"}`; absent when none. */
  attributes?: Record<string, string>;
}

/** A directed relation between two spans of the same Doc, by their index in `Doc.spans`. */
export interface DocRelation {
  /** The relation type, e.g. `caused_by`. */
  type: string;
  /** Index in `Doc.spans` of the span it starts at (the ADE of `caused_by`). */
  from: number;
  /** Index in `Doc.spans` of the span it ends at (the DRUG). */
  to: number;
}

/** One note with the spans to export, or the spans an import read for it. */
export interface Doc {
  /** Workspace-relative `/` path of the note. */
  note: string;
  text: string;
  spans: DocSpan[];
  /** Absent or empty when none. */
  relations?: DocRelation[];
  /**
   * The note's review state, written in its row when set (exports of reviewed notes): true, every mention
   * was reviewed (no span means none); false, only the spans given were reviewed.
   */
  done?: boolean;
}

export type ExportOutput =
  /** One stream (stdout, or the `--out` file). */
  | { kind: 'text'; text: string }
  /** Several files, by `/` path relative to the output folder. */
  | { kind: 'files'; files: Map<string, string> };

export interface ExportResult {
  output: ExportOutput;
  /** What the format could not express (e.g. overlapping spans in BIO), for the user to see. */
  warnings: string[];
}

export interface ImportContext {
  workspaceDir: string;
  /** The note's text as on disk, or undefined when there is no such note. */
  readNote(note: string): Promise<string | undefined>;
}

export interface ImportResult {
  docs: Doc[];
  /** Rows or files that could not be read; the others are still imported. */
  errors: InputError[];
}

export interface AnnotationFormat {
  name: string;
  offsetUnit: OffsetUnit;
  /** One line for help texts: what it is and how discontinuous spans are written. */
  description: string;
  exportDocs(docs: Doc[]): ExportResult;
  /** Reads `file` (a file, or a folder for formats that are folders of files). */
  importFile(file: string, context: ImportContext): Promise<ImportResult>;
}
