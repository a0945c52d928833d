import { sameFragments } from './fragments';
import { AnnotationSpan, Fragment, Quote, SpanFlag, makeQuote, spanStart } from './sidecar';

/**
 * Finds spans again after their note changed outside the editor (git pull, another program), from what
 * each span remembers: its quote (the covered text) and about 30 characters of context on each side.
 *
 * For each span, in note order:
 * 1. the quote at its old offset with its context intact: nothing moved;
 * 2. every exact occurrence of the quote, scored by how much of the context around it still matches; the
 *    best wins, ties going to the one nearest the expected place (old offset + the shift of the span
 *    before it, so a block of text inserted above moves all spans below together);
 * 3. fuzzy: the context on both sides still there with different text between. Only a change of case or
 *    spacing keeps the label there (flagged `edited`): other words in its place ("depression" rewritten
 *    as "anxiety" by another program) are not what was labelled, so the span becomes an orphan sitting at
 *    that place (listed in `fuzzy`: the candidate a user can re-attach it to);
 * 4. otherwise the span becomes an `orphan`: kept, with its quote, at (or clamped to) its old place.
 * Orphans are tried too, so an orphan whose text comes back is recovered.
 */

export interface ReanchorOptions {
  /** Becomes `updatedAt` of spans whose flags changed. */
  now?: string;
  /**
   * Accept only an exact quote with its whole context (no fuzzy match): for recovering orphans while the
   * user edits (an undo brings the deleted text back verbatim), where a weaker match would be a guess.
   */
  strict?: boolean;
}

export interface ReanchorResult {
  spans: AnnotationSpan[];
  /** Ids of spans now at different offsets (including recovered and fuzzy ones). */
  moved: string[];
  /** Ids of spans that could not be found (newly or still orphans). */
  orphaned: string[];
  /** Ids of former orphans found again. */
  recovered: string[];
  /**
   * Ids found by context only, their text changed: kept there flagged `edited` when only case or spacing
   * changed, else orphans at that place.
   */
  fuzzy: string[];
}

/** A context score (0–1) at or above this accepts an occurrence of a quote that occurs more than once. */
const MIN_CONTEXT_SCORE = 0.25;
/** Occurrences scored per span at most: a quote like "a" in a long note should not cost seconds. */
const MAX_OCCURRENCES = 2000;

export function reanchorSpans(text: string, spans: readonly AnnotationSpan[], options: ReanchorOptions = {}): ReanchorResult {
  const result: ReanchorResult = { spans: [], moved: [], orphaned: [], recovered: [], fuzzy: [] };
  const order = spans.map((s, i) => i).sort((a, b) => spanStart(spans[a]) - spanStart(spans[b]));
  const out = new Array<AnnotationSpan>(spans.length);
  let shift = 0;
  for (const i of order) {
    const span = spans[i];
    const found = locate(text, span, shift, options.strict === true);
    const wasOrphan = span.flags.includes('orphan');
    if (found?.fuzzy && !sameWords(text.slice(found.start, found.start + found.length), span.quote.text)) {
      result.fuzzy.push(span.id);
      result.orphaned.push(span.id);
      out[i] = withFlags(span, [[found.start, found.start]], span.quote, (f) => f.add('orphan'), options.now);
      continue;
    }
    if (!found) {
      result.orphaned.push(span.id);
      if (wasOrphan && spanStart(span) <= text.length) {
        out[i] = span;
        continue;
      }
      const at = Math.min(spanStart(span), text.length);
      out[i] = withFlags(span, [[at, at]], span.quote, (f) => f.add('orphan'), options.now);
      continue;
    }
    const rel = span.quote.fragments ?? [[0, span.quote.text.length]];
    const fragments: Fragment[] = found.fuzzy
      ? [[found.start, found.start + found.length]]
      : rel.map(([s, e]) => [found.start + s, found.start + e]);
    if (!wasOrphan) shift = found.start - spanStart(span);
    const moved = !sameFragments(fragments, span.fragments);
    if (!moved && !wasOrphan && !found.fuzzy) {
      out[i] = span;
      continue;
    }
    if (moved) result.moved.push(span.id);
    if (wasOrphan) result.recovered.push(span.id);
    if (found.fuzzy) result.fuzzy.push(span.id);
    out[i] = withFlags(span, fragments, makeQuote(text, fragments), (f) => {
      f.delete('orphan');
      if (found.fuzzy) f.add('edited');
    }, options.now);
  }
  result.spans = out;
  return result;
}

function withFlags(
  span: AnnotationSpan,
  fragments: Fragment[],
  quote: Quote,
  change: (flags: Set<SpanFlag>) => void,
  now: string | undefined,
): AnnotationSpan {
  const flags = new Set(span.flags);
  change(flags);
  const next: AnnotationSpan = { ...span, fragments, quote, flags: [...flags] };
  if (now && (flags.size !== span.flags.length || [...flags].some((f) => !span.flags.includes(f)))) next.updatedAt = now;
  return next;
}

interface Found {
  start: number;
  /** Length of the matched text (differs from the quote's only for fuzzy matches). */
  length: number;
  fuzzy: boolean;
}

function locate(text: string, span: AnnotationSpan, shift: number, strict: boolean): Found | undefined {
  const q = span.quote;
  if (q.text.length === 0) return undefined;
  const old = spanStart(span);
  const wasOrphan = span.flags.includes('orphan');
  // 1. Still there, context and all (an orphan's offset is only where it was lost: skip this step).
  if (!wasOrphan && text.startsWith(q.text, old) && contextScore(text, old, q) === 1) {
    return { start: old, length: q.text.length, fuzzy: false };
  }
  // 2. Every exact occurrence, best context first, then nearest to the expected place.
  const expected = old + (wasOrphan ? 0 : shift);
  let best: { start: number; score: number; distance: number } | undefined;
  let count = 0;
  for (let at = text.indexOf(q.text); at >= 0 && count < MAX_OCCURRENCES; at = text.indexOf(q.text, at + 1)) {
    count++;
    const score = contextScore(text, at, q);
    const distance = Math.abs(at - expected);
    if (!best || score > best.score || (score === best.score && distance < best.distance)) best = { start: at, score, distance };
  }
  if (best) {
    const accept = strict
      ? best.score === 1
      : best.score >= MIN_CONTEXT_SCORE || (count === 1 && q.text.length >= 3);
    if (accept) return { start: best.start, length: q.text.length, fuzzy: false };
  }
  if (strict || q.fragments) return undefined;
  return fuzzyLocate(text, q, expected);
}

/**
 * The quote's whole context on both sides with 1 to 2× the quote's length between them. Needs enough
 * context to be safe from chance matches (at least 8 characters on each side).
 */
function fuzzyLocate(text: string, q: Quote, expected: number): Found | undefined {
  if (q.prefix.length < 8 || q.suffix.length < 8) return undefined;
  const minGap = Math.max(1, Math.ceil(q.text.length / 2));
  const maxGap = q.text.length * 2 + 2;
  let best: Found | undefined;
  let bestDistance = Infinity;
  let count = 0;
  for (let p = text.indexOf(q.prefix); p >= 0 && count < MAX_OCCURRENCES; p = text.indexOf(q.prefix, p + 1)) {
    count++;
    const start = p + q.prefix.length;
    const s = text.indexOf(q.suffix, start + minGap);
    if (s < 0) break; // no suffix after this prefix: none after any later one either
    const gap = s - start;
    if (gap > maxGap) continue;
    const distance = Math.abs(start - expected);
    if (distance < bestDistance) {
      best = { start, length: gap, fuzzy: true };
      bestDistance = distance;
    }
  }
  return best;
}

/** Share (0–1) of the remembered context that matches around an occurrence at `at`: 1 = all of it. */
function contextScore(text: string, at: number, q: Quote): number {
  const total = q.prefix.length + q.suffix.length;
  if (total === 0) return 1;
  let before = 0;
  while (before < q.prefix.length && text.charCodeAt(at - 1 - before) === q.prefix.charCodeAt(q.prefix.length - 1 - before)) before++;
  const end = at + q.text.length;
  let after = 0;
  while (after < q.suffix.length && text.charCodeAt(end + after) === q.suffix.charCodeAt(after)) after++;
  return (before + after) / total;
}

/** The same words, whatever their case and spacing. */
function sameWords(a: string, b: string): boolean {
  const norm = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}
