import { AnnotationSpan, Fragment, SpanFlag } from './sidecar';

/**
 * Keeps spans on their text while the note is edited in the editor (unsaved edits live in memory; the
 * sidecar is written when the note is saved, see annotationStore.ts).
 *
 * Rules, per fragment `[s, e)` and an edit replacing `[o, o + d)` by `t` (length L):
 * - the edit ends at or before `s` (an insertion exactly at `s` too): the fragment shifts by L - d;
 * - the edit starts at or after `e` (an insertion exactly at `e` too): the fragment is unchanged, so typing
 *   right after a labelled word does not swallow the new text;
 * - the edit lies within `[s, e]` (an insertion strictly inside, or a replacement of part or all of it):
 *   the fragment grows or shrinks to keep the new text, and the span is flagged `edited`;
 * - the edit overlaps one end: the fragment keeps its surviving text only, flagged `edited`;
 * - the edit deletes the fragment and more: the fragment is gone. A discontinuous span that keeps other
 *   fragments is flagged `edited`; a span that loses every fragment is kept as an `orphan`, sitting
 *   (zero-width) where it was, with its old quote, never dropped.
 */

/** One change as VS Code reports it (`rangeOffset`, `rangeLength`, `text`), in UTF-16 code units. */
export interface TextEdit {
  offset: number;
  deletedLength: number;
  insertedText: string;
}

/**
 * Applies edits in the order given (VS Code's `contentChanges` order, each relative to the text left by
 * the previous one). Returns a new array; spans the edits did not move are the same objects. `now`, if
 * given, becomes the `updatedAt` of spans whose flags changed.
 */
export function applyEdits(spans: readonly AnnotationSpan[], edits: readonly TextEdit[], now?: string): AnnotationSpan[] {
  let out = spans as AnnotationSpan[];
  for (const edit of edits) out = applyEdit(out, edit, now);
  return out;
}

/**
 * Fragments that are not a span yet (a selection read before the user picked its label): moved by edits
 * exactly as a span's would be. Undefined when an edit rewrote or deleted any of their text, since what
 * was selected is then no longer there as it was.
 */
export function trackFragments(fragments: Fragment[], edits: readonly TextEdit[]): Fragment[] | undefined {
  const probe: AnnotationSpan = { id: '', label: '', fragments, quote: { text: '', prefix: '', suffix: '' }, source: 'human', status: 'accepted', flags: [], author: '', createdAt: '', updatedAt: '' };
  const [moved] = applyEdits([probe], edits);
  return moved.flags.length ? undefined : moved.fragments;
}

export function applyEdit(spans: readonly AnnotationSpan[], edit: TextEdit, now?: string): AnnotationSpan[] {
  const { offset: o, deletedLength: d } = edit;
  const L = edit.insertedText.length;
  if (d === 0 && L === 0) return spans as AnnotationSpan[];
  const out = new Array<AnnotationSpan>(spans.length);
  for (let i = 0; i < spans.length; i++) out[i] = trackSpan(spans[i], o, d, L, now);
  return out;
}

function trackSpan(span: AnnotationSpan, o: number, d: number, L: number, now: string | undefined): AnnotationSpan {
  const frags = span.fragments;
  const first = frags[0][0];
  const last = frags[frags.length - 1][1];
  const delta = L - d;
  // The common cases first, without allocating: wholly before, wholly after.
  if (last <= o) return span;
  if (first >= o + d) {
    return { ...span, fragments: frags.map(([s, e]) => [s + delta, e + delta]) };
  }
  if (span.flags.includes('orphan')) {
    // An orphan only keeps its place: positions inside a deletion collapse to its start.
    const at = (p: number) => (p <= o ? p : p >= o + d ? p + delta : o);
    return { ...span, fragments: frags.map(([s, e]) => [at(s), at(e)]) };
  }
  const kept: Fragment[] = [];
  let edited = false;
  for (const [s, e] of frags) {
    if (e <= o) kept.push([s, e]);
    else if (s >= o + d) kept.push([s + delta, e + delta]);
    else if (o >= s && o + d <= e) {
      // Within the fragment (bounds included): its text is rewritten, it keeps the replacement.
      edited = true;
      if (e + delta > s) kept.push([s, e + delta]);
    } else if (o <= s && o + d >= e) {
      edited = true; // deleted together with text around it
    } else if (o < s) {
      edited = true;
      kept.push([o + L, e + delta]); // its start was cut: keep the surviving tail
    } else {
      edited = true;
      kept.push([s, o]); // its end was cut: keep the surviving head
    }
  }
  const flags = new Set<SpanFlag>(span.flags);
  let fragments: Fragment[];
  if (kept.length === 0) {
    flags.add('orphan');
    fragments = [[o, o]];
  } else {
    fragments = mergeOverlapping(kept);
    if (edited) flags.add('edited');
  }
  const changedFlags = flags.size !== span.flags.length;
  const next: AnnotationSpan = { ...span, fragments, flags: changedFlags ? [...flags] : span.flags };
  if (changedFlags && now) next.updatedAt = now;
  return next;
}

/**
 * Safety net: pieces must never overlap. Pieces that merely touch (an edit removed the gap between them)
 * stay separate, so the span keeps its shape and its text.
 */
function mergeOverlapping(frags: Fragment[]): Fragment[] {
  const out: Fragment[] = [frags[0]];
  for (let i = 1; i < frags.length; i++) {
    const prev = out[out.length - 1];
    if (frags[i][0] < prev[1]) prev[1] = Math.max(prev[1], frags[i][1]);
    else out.push(frags[i]);
  }
  return out;
}
