/**
 * A string being normalised, with, for each of its UTF-16 code units, the `[start, end)` range of the
 * ORIGINAL text it came from. Normalisers may change the length of the text (lower-casing 'İ' gives two
 * code units, NFD splits 'é' in two, accent stripping and control-character removal delete code units,
 * CJK handling inserts spaces); carrying the ranges through every step is what lets a token's offsets
 * point at the exact characters the user sees, which no JavaScript tokenizer library provides.
 */
export interface AlignedText {
  readonly text: string;
  /** `starts[i]`: original offset where the code unit `text[i]` comes from. */
  readonly starts: Int32Array;
  /** `ends[i]`: original end offset (exclusive) of the code unit `text[i]`. */
  readonly ends: Int32Array;
}

/** The identity alignment; both halves of a surrogate pair map to the whole pair. */
export function alignedFromOriginal(text: string, base = 0): AlignedText {
  const n = text.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        starts[i] = starts[i + 1] = base + i;
        ends[i] = ends[i + 1] = base + i + 2;
        i++;
        continue;
      }
    }
    starts[i] = base + i;
    ends[i] = base + i + 1;
  }
  return { text, starts, ends };
}

/** Collects output code units with their original ranges; grows like a vector. */
class AlignedBuilder {
  private parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(Math.max(16, capacity));
  }

  push(s: string, start: number, end: number): void {
    this.reserve(s.length);
    for (let k = 0; k < s.length; k++) {
      this.starts[this.length + k] = start;
      this.ends[this.length + k] = end;
    }
    this.length += s.length;
    this.parts.push(s);
  }

  /** Copies `src.text[from, to)` with its own ranges (the unchanged case). */
  copy(src: AlignedText, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.starts.set(src.starts.subarray(from, to), this.length);
    this.ends.set(src.ends.subarray(from, to), this.length);
    this.length += to - from;
    this.parts.push(src.text.slice(from, to));
  }

  build(): AlignedText {
    return { text: this.parts.join(''), starts: this.starts.slice(0, this.length), ends: this.ends.slice(0, this.length) };
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.starts.length) return;
    const cap = Math.max(this.starts.length * 2, this.length + extra);
    const s = new Int32Array(cap);
    const e = new Int32Array(cap);
    s.set(this.starts.subarray(0, this.length));
    e.set(this.ends.subarray(0, this.length));
    this.starts = s;
    this.ends = e;
  }
}

/**
 * Rewrites every code point with `fn`; each output code unit inherits the whole original range of the code
 * point it came from. Runs of unchanged code points are copied in one step.
 */
export function mapCodePoints(src: AlignedText, fn: (cp: string) => string): AlignedText {
  const { text } = src;
  const out = new AlignedBuilder(text.length + 8);
  let copyFrom = 0;
  let changed = false;
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i) as number;
    const w = code > 0xffff ? 2 : 1;
    const cp = w === 1 ? text[i] : text.slice(i, i + 2);
    const rep = fn(cp);
    if (rep !== cp) {
      changed = true;
      out.copy(src, copyFrom, i);
      if (rep.length > 0) out.push(rep, src.starts[i], src.ends[i + w - 1]);
      copyFrom = i + w;
    }
    i += w;
  }
  if (!changed) return src;
  out.copy(src, copyFrom, text.length);
  return out.build();
}

/**
 * Rewrites every "cluster" (a code point and the combining marks after it) with `fn`; the output units all
 * map to the whole cluster. Unicode normalisation forms compose and reorder inside such clusters, so they
 * must see them whole; no token boundary ever falls inside one, so nothing is lost for offsets.
 */
export function mapClusters(src: AlignedText, fn: (cluster: string) => string): AlignedText {
  const out = new AlignedBuilder(src.text.length + 8);
  const re = /\P{M}\p{M}*|\p{M}+/gsu;
  let copyFrom = 0;
  let changed = false;
  for (const m of src.text.matchAll(re)) {
    const i = m.index as number;
    const cluster = m[0];
    const rep = fn(cluster);
    if (rep !== cluster) {
      changed = true;
      out.copy(src, copyFrom, i);
      if (rep.length > 0) out.push(rep, src.starts[i], src.ends[i + cluster.length - 1]);
      copyFrom = i + cluster.length;
    }
  }
  if (!changed) return src;
  out.copy(src, copyFrom, src.text.length);
  return out.build();
}

/**
 * Replaces every match of `re` (global) with `replace(match)`; the replacement maps to the whole match. With
 * a regex matching one code point of interest, this is `mapCodePoints` that skips the (usually many)
 * code points that cannot change, which is what makes normalising long notes cheap.
 */
export function replaceMatches(src: AlignedText, re: RegExp, replace: string | ((match: string) => string)): AlignedText {
  const out = new AlignedBuilder(src.text.length + 8);
  let copyFrom = 0;
  let changed = false;
  for (const m of src.text.matchAll(re)) {
    const i = m.index as number;
    const len = m[0].length;
    if (len === 0) continue; // an empty match would insert text out of nowhere; HF skips them too
    const rep = typeof replace === 'string' ? replace : replace(m[0]);
    if (rep === m[0]) continue;
    changed = true;
    out.copy(src, copyFrom, i);
    if (rep.length > 0) out.push(rep, src.starts[i], src.ends[i + len - 1]);
    copyFrom = i + len;
  }
  if (!changed) return src;
  out.copy(src, copyFrom, src.text.length);
  return out.build();
}

/**
 * The original `[start, end)` covered by normalised code units `[from, to)` (to > from). Every step keeps
 * the ranges in order (it copies, rewrites in place, or deletes), so the first and last units suffice.
 */
export function originalRange(a: AlignedText, from: number, to: number): [number, number] {
  return [a.starts[from], a.ends[to - 1]];
}
