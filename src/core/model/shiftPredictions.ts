import { Span } from '../span';

/** One change of a document, as VS Code reports it: `rangeOffset`, `rangeLength`, the new text. */
export interface OffsetChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/**
 * Keeps predictions in place while the user types, until the model has run again: a span the change
 * touches is dropped at once (its prediction is stale), spans after it shift with the text. Changes are
 * applied in the order given, each on the text the previous one left.
 */
export function shiftPredictions(spans: readonly Span[], changes: readonly OffsetChange[]): Span[] {
  let out = spans as Span[];
  for (const c of changes) {
    const end = c.rangeOffset + c.rangeLength;
    const delta = c.text.length - c.rangeLength;
    const next: Span[] = [];
    for (const s of out) {
      if (s.end < c.rangeOffset || (s.end === c.rangeOffset && c.rangeLength === 0 && !isWordChar(c.text[0]))) {
        next.push(s);
      } else if (s.start > end || (s.start === end && !isWordChar(c.text[c.text.length - 1]))) {
        next.push(moveBy(s, delta));
      }
      // else: the change touches the span: dropped until the model runs again.
    }
    out = next;
  }
  return out;
}

/** Typing a letter right against a span extends its word, so it touches the span; a space does not. */
function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_-]/u.test(ch);
}

function moveBy(s: Span, d: number): Span {
  if (d === 0) return s;
  const out: Span = { ...s, start: s.start + d, end: s.end + d };
  if (s.fragments) out.fragments = s.fragments.map(([a, b]) => [a + d, b + d]);
  return out;
}
