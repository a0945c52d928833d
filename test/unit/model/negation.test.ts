import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Span } from '../../../src/core/span';
import { contextDropReasons, dropNegatedAdes } from '../../../src/core/model/negation';

/** Spans for every listed phrase (first occurrence at or after the previous one), all labelled `label`. */
function spansOf(text: string, phrases: string[], label = 'ADE'): Span[] {
  let from = 0;
  return phrases.map((p) => {
    const start = text.indexOf(p, from);
    assert.ok(start >= 0, `phrase not found: ${p}`);
    from = start + p.length;
    return { label, start, end: start + p.length, text: p, score: 0.9 };
  });
}

const kept = (text: string, spans: Span[]) => dropNegatedAdes(text, spans).map((s) => s.text);

test('a "(-)" review-of-systems list is negated to the end of its clause, commas included', () => {
  const text = 'Constitutional Symptoms: (-) constitutional symptoms,such as fever, headache, nausea, dizziness.\n\nPHYSICAL EXAM:\nNausea after the morphine dose.';
  const spans = spansOf(text, ['fever', 'headache', 'nausea', 'dizziness', 'Nausea']);
  assert.deepEqual(kept(text, spans), ['Nausea']);
});

test('"denies" negates a list up to the sentence end; the next sentence is not negated', () => {
  const text = 'She denies fatigue, rash or itching. Lisinopril caused a cough.';
  const spans = spansOf(text, ['fatigue', 'rash', 'itching', 'cough']);
  assert.deepEqual(kept(text, spans), ['cough']);
});

test('"but" ends a negated clause', () => {
  const text = 'Negative for nausea but reports dizziness since starting metoprolol.';
  assert.deepEqual(kept(text, spansOf(text, ['nausea', 'dizziness'])), ['dizziness']);
});

test('"no"/"not"/"without" negate only an ADE starting within the next four words', () => {
  const text =
    'All three patients experienced no extrapyramidal side effects. A woman with no history of bipolar illness developed a manic episode on fluoxetine. She did not actually have an allergic reaction to codeine.';
  const spans = spansOf(text, ['extrapyramidal side effects', 'manic episode', 'allergic reaction']);
  assert.deepEqual(kept(text, spans), ['manic episode']);
  assert.deepEqual(contextDropReasons(text, spans), ['negated', undefined, 'negated']);
});

test('"No." as an abbreviation is not a negation', () => {
  const text = 'Tylenol No. 3 caused nausea.';
  assert.deepEqual(kept(text, spansOf(text, ['nausea'])), ['nausea']);
});

test('consent and risk discussions are dropped, generic "may cause" statements are kept', () => {
  const text =
    'The risks of the procedure were discussed at length with the patient including bleeding, infection, diplopia, and corneal edema. Informed consent was obtained. L-dopa may cause daytime somnolence.';
  const spans = spansOf(text, ['bleeding', 'infection', 'diplopia', 'corneal edema', 'daytime somnolence']);
  assert.deepEqual(kept(text, spans), ['daytime somnolence']);
  assert.equal(contextDropReasons(text, spans)[0], 'hypothetical');
});

test('a review-of-systems section drops ADEs unless the sentence ties them to a drug', () => {
  const text =
    'REVIEW OF SYSTEMS:\nGENERAL: Weakness and fatigue.\nSKIN: Rash caused by amoxicillin last year.\n\nPHYSICAL EXAMINATION:\nWeakness of the left arm.';
  const spans = spansOf(text, ['Weakness', 'fatigue', 'Rash', 'Weakness']);
  assert.deepEqual(contextDropReasons(text, spans), ['review-of-systems', 'review-of-systems', undefined, undefined]);
});

test('DRUG spans are never dropped, negated or not; other spans come back unchanged and in order', () => {
  const text = 'She denies taking aspirin and denies nausea. Metformin caused diarrhea.';
  const spans = [...spansOf(text, ['aspirin'], 'DRUG'), ...spansOf(text, ['nausea']), ...spansOf(text, ['Metformin'], 'DRUG'), ...spansOf(text, ['diarrhea'])];
  const out = dropNegatedAdes(text, spans);
  assert.deepEqual(out.map((s) => s.text), ['aspirin', 'Metformin', 'diarrhea']);
  assert.equal(out[2], spans[3]);
});

test('options switch each rule off and choose the labels', () => {
  const text = 'She denies nausea. The risks including bleeding were discussed.';
  const spans = spansOf(text, ['nausea', 'bleeding']);
  assert.deepEqual(dropNegatedAdes(text, spans, { negation: false }).map((s) => s.text), ['nausea']);
  assert.deepEqual(dropNegatedAdes(text, spans, { hypothetical: false }).map((s) => s.text), ['bleeding']);
  assert.deepEqual(dropNegatedAdes(text, spans, { labels: ['DRUG'] }).length, 2);
});

test('pure: the same input gives the same output, repeatedly (no regex state leaks)', () => {
  const text = 'Denies fever, chills. No rash.';
  const spans = spansOf(text, ['fever', 'chills', 'rash']);
  const a = dropNegatedAdes(text, spans);
  const b = dropNegatedAdes(text, spans);
  assert.deepEqual(a, b);
  assert.deepEqual(a, []);
});
