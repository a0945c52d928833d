import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decoder } from '../../../src/core/model/config';
import { crfMarginals, decodeNote, softmaxRows, tagWords, viterbi, widenToWords, wordsToSpans } from '../../../src/core/model/decode';

const ID2LABEL = ['O', 'B-ADE', 'I-ADE', 'B-DRUG', 'I-DRUG'];
const L = ID2LABEL.length;

/** Logits with a strong score for the given tag of each token. */
function logitsFor(tags: number[], strength = 5): Float32Array {
  const m = new Float32Array(tags.length * L);
  tags.forEach((t, i) => (m[i * L + t] = strength));
  return m;
}

/** Word offsets of a text split on spaces, one token per word. */
function tokens(text: string): { offsets: [number, number][]; wordIds: number[] } {
  const offsets: [number, number][] = [];
  for (const m of text.matchAll(/\S+/g)) offsets.push([m.index as number, (m.index as number) + m[0].length]);
  return { offsets, wordIds: offsets.map((_, i) => i) };
}

test('BIO repair: an I- without a B- starts a span; a B- after an I- starts a new one', () => {
  const text = 'severe headache then rash itching amoxicillin';
  const { offsets, wordIds } = tokens(text);
  const spans = decodeNote(text, offsets, wordIds, logitsFor([2, 2, 0, 1, 1, 4]), ID2LABEL, 'first', { type: 'argmax' });
  assert.deepEqual(
    spans.map((s) => [s.label, s.text]),
    [
      ['ADE', 'severe headache'],
      ['ADE', 'rash'],
      ['ADE', 'itching'],
      ['DRUG', 'amoxicillin'],
    ],
  );
  for (const s of spans) {
    assert.equal(text.slice(s.start, s.end), s.text);
    assert.ok((s.score as number) > 0.9 && (s.score as number) <= 1);
  }
});

test('I- of another label does not continue a span', () => {
  const text = 'rash amoxicillin';
  const { offsets, wordIds } = tokens(text);
  const spans = decodeNote(text, offsets, wordIds, logitsFor([1, 4]), ID2LABEL, 'first', { type: 'argmax' });
  assert.deepEqual(
    spans.map((s) => s.label),
    ['ADE', 'DRUG'],
  );
});

test('word-level aggregation: first, max and average over sub-word pieces', () => {
  // One word of three pieces: O first, then I-ADE surely, then B-ADE (average: O .30, B .37, I .33).
  const probs = new Float32Array([0.6, 0.4, 0, 0, 0, 0.01, 0, 0.99, 0, 0, 0.3, 0.7, 0, 0, 0]);
  const offsets: [number, number][] = [
    [0, 3],
    [3, 6],
    [6, 9],
  ];
  const ids = [0, 0, 0];
  assert.equal(tagWords(offsets, ids, probs, L, 'first')[0].tag, 0);
  const max = tagWords(offsets, ids, probs, L, 'max')[0];
  assert.equal(max.tag, 2);
  assert.ok(Math.abs(max.score - 0.99) < 1e-6);
  const avg = tagWords(offsets, ids, probs, L, 'average')[0];
  assert.equal(avg.tag, 1);
  assert.deepEqual([avg.start, avg.end], [0, 9]);
});

test('softmax rows sum to one', () => {
  const p = softmaxRows([1, 2, 3, 1000, 0, 0], 2, 3);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-6);
  assert.ok(p[3] > 0.999);
});

/** A CRF that forbids O → I-x and starting on I-x. */
function crf(): Extract<Decoder, { type: 'crf' }> {
  const t = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    t[i * L + 2] = i === 1 || i === 2 ? 0 : -1e4;
    t[i * L + 4] = i === 3 || i === 4 ? 0 : -1e4;
  }
  return { type: 'crf', transitions: t, startTransitions: Float64Array.from([0, 0, -1e4, 0, -1e4]), endTransitions: new Float64Array(L) };
}

test('Viterbi follows the transitions; marginals are probabilities that agree with it', () => {
  // Emissions prefer I-ADE on token 0 (forbidden at start) and O on token 1, B-ADE weakly on token 0.
  const e = new Float32Array([0, 2, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  const tags = viterbi(e, 3, L, crf());
  assert.deepEqual([...tags], [1, 0, 0]);
  const m = crfMarginals(e, 3, L, crf());
  for (let t = 0; t < 3; t++) {
    let s = 0;
    for (let j = 0; j < L; j++) s += m[t * L + j];
    assert.ok(Math.abs(s - 1) < 1e-5, 'each row sums to 1');
  }
  assert.ok(m[2] < 1e-3, 'I-ADE at the start is impossible');
  // Brute force over all 5^3 paths for the exact marginal of tag 1 at token 0.
  const c = crf();
  let z = 0;
  let num = 0;
  for (let a = 0; a < L; a++)
    for (let b = 0; b < L; b++)
      for (let d = 0; d < L; d++) {
        const s = Math.exp(c.startTransitions[a] + e[a] + c.transitions[a * L + b] + e[L + b] + c.transitions[b * L + d] + e[2 * L + d]);
        z += s;
        if (a === 1) num += s;
      }
  assert.ok(Math.abs(m[1] - num / z) < 1e-5);
});

test('CRF decoding turns a forbidden I- into a valid path and scores with marginals', () => {
  const text = 'patient rash itching';
  const { offsets, wordIds } = tokens(text);
  const spans = decodeNote(text, offsets, wordIds, logitsFor([0, 1, 2], 4), ID2LABEL, 'first', crf());
  assert.deepEqual(
    spans.map((s) => [s.label, s.start, s.end, s.text]),
    [['ADE', 8, 20, 'rash itching']],
  );
  assert.ok((spans[0].score as number) > 0.9);
});

test('spans never cut a word; offsets hold on CRLF, accents (NFC and NFD) and emoji', () => {
  assert.deepEqual(widenToWords('co-trimoxazole', 5, 9), [3, 14]);
  assert.deepEqual(widenToWords('cafe\u0301 x', 0, 4), [0, 5], 'a decomposed accent stays with its letter');
  assert.deepEqual(widenToWords('a 😀 b', 2, 4), [2, 4], 'an emoji is not widened into its neighbours');
  const text = 'Nausea\r\nnaïve 😀 rash';
  const words = [
    { start: 0, end: 6, tag: 1, score: 0.9 },
    { start: 8, end: 13, tag: 1, score: 0.8 },
    { start: 14, end: 16, tag: 3, score: 0.7 },
    { start: 17, end: 21, tag: 2, score: 0.6 },
  ];
  const spans = wordsToSpans(text, words, ID2LABEL);
  assert.deepEqual(
    spans.map((s) => [s.label, s.start, s.end, s.text]),
    [
      ['ADE', 0, 6, 'Nausea'],
      ['ADE', 8, 13, 'naïve'],
      ['DRUG', 14, 16, '😀'],
      ['ADE', 17, 21, 'rash'],
    ],
  );
});

test('spans of one label that widening makes overlap merge into one', () => {
  const spans = wordsToSpans(
    'hepatotoxicity',
    [
      { start: 0, end: 6, tag: 1, score: 0.5 },
      { start: 6, end: 14, tag: 1, score: 0.9 },
    ],
    ID2LABEL,
  );
  assert.equal(spans.length, 1);
  assert.deepEqual([spans[0].start, spans[0].end, spans[0].text], [0, 14, 'hepatotoxicity']);
});
