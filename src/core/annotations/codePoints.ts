/**
 * UTF-16 ↔ code point offsets.
 *
 * Sidelight stores JavaScript string offsets (UTF-16 code units). Python tools (spaCy, Prodigy, brat's
 * server) index strings by code point, so an emoji or any character outside the Basic Multilingual Plane
 * counts two for us and one for them; exports to those tools convert, and imports convert back.
 */
export class OffsetConverter {
  /** For each surrogate pair, the UTF-16 offset of its low half (sorted); empty for most clinical text. */
  private readonly pairEnds: number[] = [];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length - 1; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          this.pairEnds.push(i + 1);
          i++;
        }
      }
    }
  }

  /** True when the two units agree everywhere (no surrogate pairs). */
  get identity(): boolean {
    return this.pairEnds.length === 0;
  }

  /** Code point offset of a UTF-16 offset. An offset between the halves of a pair maps to that pair's start. */
  toCodePoint(utf16: number): number {
    // Pairs whose low half lies before `utf16` each count one unit fewer in code points.
    return utf16 - countBelow(this.pairEnds, utf16);
  }

  /** UTF-16 offset of a code point offset (`codePointLength(text)` maps to `text.length`). */
  toUtf16(codePoint: number): number {
    // Walk pairs in order: the UTF-16 offset is codePoint plus the pairs that start before it.
    let lo = 0;
    let hi = this.pairEnds.length;
    // Find the number k of pairs with (pairEnds[k] - 1) - k < codePoint, i.e. pairs starting before the target.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pairEnds[mid] - 1 - mid < codePoint) lo = mid + 1;
      else hi = mid;
    }
    return codePoint + lo;
  }

  get codePointLength(): number {
    return this.text.length - this.pairEnds.length;
  }
}

/** Number of sorted values strictly below `x`. */
function countBelow(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
