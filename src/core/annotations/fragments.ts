import { InputError } from '../errors';
import { type AnnotationSpan, type Fragment, fragmentsProblem } from './sidecar';

/**
 * Fragment geometry: comparing, overlapping, normalizing and trimming the `[start, end)` UTF-16 ranges
 * of a span. Pure functions, shared by the store's labelling operations, imports and occurrence search.
 */

/** Same fragments, in the same order. */
export function sameFragments(a: readonly Fragment[], b: readonly Fragment[]): boolean {
  return a.length === b.length && a.every(([s, e], i) => s === b[i][0] && e === b[i][1]);
}

/** Whether two spans share at least one character (fragments sorted; touching ends do not overlap). */
export function fragmentsOverlap(a: readonly Fragment[], b: readonly Fragment[]): boolean {
  return a.some(([s, e]) => b.some(([c, d]) => s < d && c < e));
}

/** Same label and same fragments: what "an identical span" means for imports. */
export function identityKey(label: string, fragments: readonly Fragment[]): string {
  return `${label}\u0000${fragments.map(([s, e]) => `${s}-${e}`).join(',')}`;
}

/** Sorted, merged, validated against the text length; an InputError naming `note` otherwise. */
export function normalizeFragments(fragments: readonly Fragment[], textLength: number, note: string): Fragment[] {
  const sorted = fragments.map(([s, e]) => [s, e] as Fragment).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Fragment[] = [];
  for (const f of sorted) {
    const prev = merged[merged.length - 1];
    if (prev && f[0] <= prev[1]) prev[1] = Math.max(prev[1], f[1]);
    else merged.push(f);
  }
  const problem = fragmentsProblem(merged);
  if (problem) throw new InputError(note, problem);
  if (merged[merged.length - 1][1] > textLength) throw new InputError(note, `fragment ends at ${merged[merged.length - 1][1]}, past the end of the note (${textLength})`);
  return merged;
}

/**
 * After an edit, a span whose text the edit rewrote is trimmed to the guideline's boundaries: no space and
 * no trailing punctuation at either end of a fragment (typing over a label's end leaves "cardiac " otherwise).
 * `before` and `after` are the spans before and after the edit, in the same order; `text` is after it.
 */
export function trimEdited(text: string, before: readonly AnnotationSpan[], after: AnnotationSpan[]): AnnotationSpan[] {
  return after.map((span, i) => {
    if (span === before[i] || span.flags.includes('orphan') || !span.flags.includes('edited')) return span;
    const fragments = trimFragments(text, span.fragments);
    if (fragments.length === 0) {
      const at = span.fragments[0][0];
      return { ...span, fragments: [[at, at]], flags: [...span.flags.filter((f) => f !== 'edited'), 'orphan'] };
    }
    return sameFragments(fragments, span.fragments) ? span : { ...span, fragments };
  });
}

const SPACE = /\s/;
const TRAILING_PUNCTUATION = /[\s.,;:]/;

function trimFragments(text: string, fragments: readonly Fragment[]): Fragment[] {
  const out: Fragment[] = [];
  for (const [s0, e0] of fragments) {
    let s = s0;
    let e = e0;
    while (s < e && SPACE.test(text[s])) s++;
    while (e > s && TRAILING_PUNCTUATION.test(text[e - 1])) e--;
    if (e > s) out.push([s, e]);
  }
  return out;
}
