/**
 * A labelled or predicted span. Offsets are JavaScript string offsets (UTF-16 code units), end exclusive,
 * on the text exactly as saved on disk (CRLF counts two).
 */
export interface Span {
  label: string;
  start: number;
  end: number;
  /** `text.slice(start, end)`; for a discontinuous span, its fragments' texts joined by a space. */
  text: string;
  /** Present only for discontinuous spans: `[start, end)` pieces in order; `start`/`end` are the outer bounds. */
  fragments?: [number, number][];
  /** Model confidence in [0, 1]; absent on human labels. */
  score?: number;
  /** Gold attributes read from interchange JSONL (`{"assertion": "absent"}`), for `sidelight eval`. */
  attributes?: Record<string, string>;
}

/** One row of the interchange JSONL (design.md): `id` or `file` names the row. */
export interface InterchangeRow {
  id?: string;
  file?: string;
  text: string;
  spans: Span[];
  /** Gold relations by span index, as the ADE corpus gives them (`caused_by` from the effect to the drug). */
  relations?: { label: string; from: number; to: number }[];
}

export function compareSpans(a: Span, b: Span): number {
  return a.start - b.start || a.end - b.end || a.label.localeCompare(b.label);
}
