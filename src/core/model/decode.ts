import { Span } from '../span';
import { Aggregation, Decoder } from './config';

/**
 * From per-token scores to character spans:
 * 1. per token, label probabilities: softmax of the logits (`argmax` decoder), or CRF marginals with the
 *    Viterbi path (`crf` decoder);
 * 2. per word (a pre-tokenizer word: all its sub-word pieces), one tag by the configured aggregation;
 * 3. BIO/IOB2 repair: an `I-X` that does not continue an `X` span starts one (models emit it often at
 *    window and sentence starts, and dropping it would lose a real mention);
 * 4. character spans from the words' original offsets, widened so they never cut a word in half.
 * All matrices are row-major `Float32Array`s of `rows x labels`.
 */

export interface WordTag {
  start: number;
  end: number;
  tag: number;
  score: number;
}

export function softmaxRows(logits: ArrayLike<number>, rows: number, labels: number): Float32Array {
  const out = new Float32Array(rows * labels);
  for (let r = 0; r < rows; r++) {
    const o = r * labels;
    let max = -Infinity;
    for (let j = 0; j < labels; j++) max = Math.max(max, logits[o + j]);
    let sum = 0;
    for (let j = 0; j < labels; j++) sum += out[o + j] = Math.exp(logits[o + j] - max);
    for (let j = 0; j < labels; j++) out[o + j] /= sum;
  }
  return out;
}

type Crf = Extract<Decoder, { type: 'crf' }>;

/** The highest-scoring tag sequence under the CRF (emissions + transitions + start/end scores). */
export function viterbi(emissions: ArrayLike<number>, n: number, L: number, crf: Crf): Int32Array {
  const tags = new Int32Array(n);
  if (n === 0) return tags;
  const back = new Int32Array(n * L);
  let score = new Float64Array(L);
  let next = new Float64Array(L);
  for (let j = 0; j < L; j++) score[j] = crf.startTransitions[j] + emissions[j];
  for (let t = 1; t < n; t++) {
    for (let j = 0; j < L; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < L; i++) {
        const s = score[i] + crf.transitions[i * L + j];
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      next[j] = best + emissions[t * L + j];
      back[t * L + j] = arg;
    }
    [score, next] = [next, score];
  }
  let best = -Infinity;
  for (let j = 0; j < L; j++) {
    const s = score[j] + crf.endTransitions[j];
    if (s > best) {
      best = s;
      tags[n - 1] = j;
    }
  }
  for (let t = n - 1; t > 0; t--) tags[t - 1] = back[t * L + tags[t]];
  return tags;
}

function logSumExp(xs: Float64Array): number {
  let max = -Infinity;
  for (const x of xs) max = Math.max(max, x);
  if (max === -Infinity) return max;
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}

/**
 * P(tag of token t = j | whole sequence) by forward-backward. Runs in the probability domain with every
 * step renormalised (no `log`/`exp` per cell: the log-space version cost more than the model on long
 * notes); falls back to log space if a step underflows to all zeros.
 */
export function crfMarginals(emissions: ArrayLike<number>, n: number, L: number, crf: Crf): Float32Array {
  return crfMarginalsScaled(emissions, n, L, crf) ?? crfMarginalsLog(emissions, n, L, crf);
}

function expShifted(xs: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) max = Math.max(max, xs[i]);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = Math.exp(xs[i] - max);
  return out;
}

function normalise(v: Float64Array, o: number, L: number): boolean {
  let sum = 0;
  for (let j = 0; j < L; j++) sum += v[o + j];
  if (!(sum > 0) || !Number.isFinite(sum)) return false;
  for (let j = 0; j < L; j++) v[o + j] /= sum;
  return true;
}

function crfMarginalsScaled(emissions: ArrayLike<number>, n: number, L: number, crf: Crf): Float32Array | null {
  const out = new Float32Array(n * L);
  if (n === 0) return out;
  // Constant shifts cancel in the per-row normalisation.
  const T = expShifted(crf.transitions);
  const S = expShifted(crf.startTransitions);
  const E = expShifted(crf.endTransitions);
  const f = new Float64Array(n * L);
  for (let o = 0; o < n * L; o += L) {
    let max = -Infinity;
    for (let j = 0; j < L; j++) max = Math.max(max, emissions[o + j]);
    for (let j = 0; j < L; j++) f[o + j] = Math.exp(emissions[o + j] - max);
  }
  const alpha = new Float64Array(n * L);
  const beta = new Float64Array(n * L);
  for (let j = 0; j < L; j++) alpha[j] = S[j] * f[j];
  if (!normalise(alpha, 0, L)) return null;
  for (let t = 1; t < n; t++) {
    const o = t * L;
    const p = o - L;
    for (let j = 0; j < L; j++) {
      let acc = 0;
      for (let i = 0; i < L; i++) acc += alpha[p + i] * T[i * L + j];
      alpha[o + j] = acc * f[o + j];
    }
    if (!normalise(alpha, o, L)) return null;
  }
  beta.set(E, (n - 1) * L);
  if (!normalise(beta, (n - 1) * L, L)) return null;
  for (let t = n - 2; t >= 0; t--) {
    const o = t * L;
    const q = o + L;
    for (let i = 0; i < L; i++) {
      let acc = 0;
      for (let j = 0; j < L; j++) acc += T[i * L + j] * f[q + j] * beta[q + j];
      beta[o + i] = acc;
    }
    if (!normalise(beta, o, L)) return null;
  }
  const row = new Float64Array(L);
  for (let t = 0; t < n; t++) {
    const o = t * L;
    for (let j = 0; j < L; j++) row[j] = alpha[o + j] * beta[o + j];
    if (!normalise(row, 0, L)) return null;
    for (let j = 0; j < L; j++) out[o + j] = row[j];
  }
  return out;
}

function crfMarginalsLog(emissions: ArrayLike<number>, n: number, L: number, crf: Crf): Float32Array {
  const out = new Float32Array(n * L);
  if (n === 0) return out;
  const alpha = new Float64Array(n * L);
  const beta = new Float64Array(n * L);
  const tmp = new Float64Array(L);
  for (let j = 0; j < L; j++) alpha[j] = crf.startTransitions[j] + emissions[j];
  for (let t = 1; t < n; t++) {
    for (let j = 0; j < L; j++) {
      for (let i = 0; i < L; i++) tmp[i] = alpha[(t - 1) * L + i] + crf.transitions[i * L + j];
      alpha[t * L + j] = logSumExp(tmp) + emissions[t * L + j];
    }
  }
  for (let j = 0; j < L; j++) beta[(n - 1) * L + j] = crf.endTransitions[j];
  for (let t = n - 2; t >= 0; t--) {
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < L; j++) tmp[j] = crf.transitions[i * L + j] + emissions[(t + 1) * L + j] + beta[(t + 1) * L + j];
      beta[t * L + i] = logSumExp(tmp);
    }
  }
  for (let j = 0; j < L; j++) tmp[j] = alpha[(n - 1) * L + j] + crf.endTransitions[j];
  const z = logSumExp(tmp);
  for (let k = 0; k < n * L; k++) out[k] = Math.exp(alpha[k] + beta[k] - z);
  return out;
}

/** Token ranges `[a, b)` of consecutive tokens sharing a word id. */
function wordRanges(wordIds: ArrayLike<number | null>): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < wordIds.length; ) {
    let b = a + 1;
    while (b < wordIds.length && wordIds[b] === wordIds[a] && wordIds[a] !== null) b++;
    out.push([a, b]);
    a = b;
  }
  return out;
}

function argmaxRow(m: Float32Array, row: number, L: number): number {
  let arg = 0;
  for (let j = 1; j < L; j++) if (m[row * L + j] > m[row * L + arg]) arg = j;
  return arg;
}

/**
 * One tag and score per word. `probs` are per-token probabilities (softmax or CRF marginals); `tags`, when
 * given (CRF), fixes each word's tag to its first piece's Viterbi tag and only the score is aggregated.
 */
export function tagWords(
  offsets: ArrayLike<[number, number]>,
  wordIds: ArrayLike<number | null>,
  probs: Float32Array,
  L: number,
  aggregation: Aggregation,
  tags?: Int32Array,
): WordTag[] {
  const words: WordTag[] = [];
  for (const [a, b] of wordRanges(wordIds)) {
    let tag: number;
    let score: number;
    if (tags) {
      tag = tags[a];
      const scores = [];
      for (let i = a; i < b; i++) scores.push(probs[i * L + tag]);
      score = aggregation === 'first' ? scores[0] : aggregation === 'max' ? Math.max(...scores) : scores.reduce((x, y) => x + y, 0) / scores.length;
    } else if (aggregation === 'first' || b - a === 1) {
      tag = argmaxRow(probs, a, L);
      score = probs[a * L + tag];
    } else if (aggregation === 'max') {
      // The piece the model is surest about decides the word (HF's "max" strategy).
      let bestRow = a;
      for (let i = a + 1; i < b; i++) if (probs[i * L + argmaxRow(probs, i, L)] > probs[bestRow * L + argmaxRow(probs, bestRow, L)]) bestRow = i;
      tag = argmaxRow(probs, bestRow, L);
      score = probs[bestRow * L + tag];
    } else {
      const avg = new Float32Array(L);
      for (let i = a; i < b; i++) for (let j = 0; j < L; j++) avg[j] += probs[i * L + j] / (b - a);
      tag = argmaxRow(avg, 0, L);
      score = avg[tag];
    }
    let start = Infinity;
    let end = -Infinity;
    for (let i = a; i < b; i++) {
      start = Math.min(start, offsets[i][0]);
      end = Math.max(end, offsets[i][1]);
    }
    words.push({ start, end, tag, score });
  }
  return words;
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;

function codePointBefore(text: string, i: number): string {
  if (i <= 0) return '';
  const c = text.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : text[i - 1];
}

function codePointAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/**
 * Widens `[start, end)` over letters, digits and combining marks touching its edges, so a span never cuts a
 * word in half (a model may tag only "trimoxazole" of "co-trimoxazole"'s pieces, never half a piece; this
 * also keeps a decomposed accent that a stripping normaliser left outside the token).
 */
export function widenToWords(text: string, start: number, end: number): [number, number] {
  while (start > 0 && WORD_CHAR.test(codePointAt(text, start)) && WORD_CHAR.test(codePointBefore(text, start))) {
    start -= codePointBefore(text, start).length;
  }
  while (end < text.length && end > start && WORD_CHAR.test(codePointAt(text, end)) && WORD_CHAR.test(codePointBefore(text, end))) {
    end += codePointAt(text, end).length;
  }
  // A trailing combining mark belongs to the letter before it even when the mark is not a "word char" start.
  while (end < text.length && /^\p{M}$/u.test(codePointAt(text, end))) end += codePointAt(text, end).length;
  return [start, end];
}

/** BIO/IOB2 tags of words → spans, repairing an `I-X` that does not continue an `X` into a new span. */
export function wordsToSpans(text: string, words: WordTag[], id2label: string[]): Span[] {
  const raw: { label: string; start: number; end: number; scores: number[] }[] = [];
  let open: (typeof raw)[number] | null = null;
  for (const w of words) {
    const tag = id2label[w.tag];
    const m = /^([BI])-(.+)$/.exec(tag);
    if (!m) {
      open = null;
      continue;
    }
    const [, kind, label] = m;
    if (kind === 'I' && open && open.label === label) {
      open.end = w.end;
      open.scores.push(w.score);
    } else {
      open = { label, start: w.start, end: w.end, scores: [w.score] };
      raw.push(open);
    }
  }
  const spans: Span[] = [];
  for (const r of raw) {
    const [start, end] = widenToWords(text, r.start, r.end);
    const score = r.scores.reduce((a, b) => a + b, 0) / r.scores.length;
    const prev = spans[spans.length - 1];
    // Widening can make two neighbouring spans of one label overlap: they are one mention.
    if (prev && prev.label === r.label && start < prev.end) {
      prev.end = Math.max(prev.end, end);
      prev.text = text.slice(prev.start, prev.end);
      prev.score = Math.max(prev.score ?? 0, score);
      continue;
    }
    spans.push({ label: r.label, start, end, text: text.slice(start, end), score });
  }
  return spans;
}

/** The whole chain for one note: merged per-token logits (`n x L`) → spans. */
export function decodeNote(
  text: string,
  offsets: ArrayLike<[number, number]>,
  wordIds: ArrayLike<number | null>,
  logits: Float32Array,
  id2label: string[],
  aggregation: Aggregation,
  decoder: Decoder,
): Span[] {
  const n = offsets.length;
  const L = id2label.length;
  let words: WordTag[];
  if (decoder.type === 'crf') {
    const tags = viterbi(logits, n, L, decoder);
    words = tagWords(offsets, wordIds, crfMarginals(logits, n, L, decoder), L, aggregation, tags);
  } else {
    words = tagWords(offsets, wordIds, softmaxRows(logits, n, L), L, aggregation);
  }
  return wordsToSpans(text, words, id2label);
}
