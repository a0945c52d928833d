import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reanchorSpans } from '../../../src/core/annotations/reanchor';
import { AnnotationSpan, fragmentsText } from '../../../src/core/annotations/sidecar';
import { span } from './helpers';

const note =
  'HPI: 54-year-old woman on lisinopril presented with a dry cough that began two weeks after starting it. ' +
  'She also reports nausea from metformin. Plan: switch lisinopril to losartan.';

function at(text: string, quote: string, nth = 0): [number, number] {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(quote, i + 1);
  assert.ok(i >= 0, `${quote} in text`);
  return [i, i + quote.length];
}

function covered(text: string, s: AnnotationSpan): string {
  return fragmentsText(text, s.fragments);
}

test('spans whose text and context are unchanged stay as they are (same objects)', () => {
  const s = span(note, [at(note, 'dry cough')]);
  const r = reanchorSpans(note, [s]);
  assert.equal(r.spans[0], s);
  assert.deepEqual([r.moved, r.orphaned], [[], []]);
});

test('text inserted before: every span moves with it', () => {
  const spans = [span(note, [at(note, 'dry cough')]), span(note, [at(note, 'nausea')]), span(note, [at(note, 'metformin')], 'DRUG')];
  const changed = 'Allergies: NKDA.\r\n' + note;
  const r = reanchorSpans(changed, spans);
  assert.deepEqual(r.spans.map((s) => covered(changed, s)), ['dry cough', 'nausea', 'metformin']);
  assert.equal(r.moved.length, 3);
  assert.equal(r.orphaned.length, 0);
  assert.ok(r.spans.every((s) => s.flags.length === 0));
});

test('a quote moved elsewhere in the note is found there, with a refreshed context', () => {
  const s = span(note, [at(note, 'nausea')]);
  const changed = 'She reports nausea from metformin. ' + note.replace('She also reports nausea from metformin. ', '');
  const r = reanchorSpans(changed, [s]);
  assert.deepEqual(r.spans[0].fragments, [at(changed, 'nausea')]);
  assert.equal(r.spans[0].quote.prefix, 'She reports ');
});

test('duplicated quotes are told apart by their context', () => {
  // "lisinopril" occurs twice; the span is on the second one ("switch lisinopril").
  const s = span(note, [at(note, 'lisinopril', 1)], 'DRUG');
  const changed = note.replace('HPI: ', 'History of present illness (lisinopril was started in May): ');
  const r = reanchorSpans(changed, [s]);
  assert.deepEqual(r.spans[0].fragments, [at(changed, 'lisinopril', 2)]);
  assert.match(changed.slice(r.spans[0].fragments[0][0] - 7), /^switch lisinopril/);
});

test('identical duplicates with identical context: the one nearest the expected place wins', () => {
  const text = 'rash. rash. rash. rash.';
  const s = span(text, [[12, 16]]); // third "rash"
  const changed = 'x ' + text; // everything shifted by 2; contexts differ only at the edges
  const r = reanchorSpans(changed, [s]);
  assert.deepEqual(r.spans[0].fragments, [[14, 18]]);
});

test('a deleted quote makes an orphan: kept, with its quote, and reported', () => {
  const s = span(note, [at(note, 'nausea')]);
  const changed = note.replace('She also reports nausea from metformin. ', '');
  const r = reanchorSpans(changed, [s]);
  assert.equal(r.spans.length, 1);
  assert.deepEqual(r.orphaned, [s.id]);
  assert.deepEqual(r.spans[0].flags, ['orphan']);
  assert.equal(r.spans[0].quote.text, 'nausea');
  const [[a, b]] = r.spans[0].fragments;
  assert.ok(a === b && a <= changed.length);
});

test('an orphan whose text comes back is recovered', () => {
  const s = span(note, [at(note, 'nausea')]);
  const without = note.replace('She also reports nausea from metformin. ', '');
  const orphan = reanchorSpans(without, [s]).spans[0];
  const r = reanchorSpans(note, [orphan]);
  assert.deepEqual(r.recovered, [s.id]);
  assert.deepEqual(r.spans[0].fragments, [at(note, 'nausea')]);
  assert.deepEqual(r.spans[0].flags, []);
});

test('other words in a label\'s place (found by its context only) make it an orphan at that place, not a label on them', () => {
  const s = span(note, [at(note, 'dry cough')]);
  const changed = note.replace('dry cough', 'dry, hacking cough');
  const r = reanchorSpans(changed, [s]);
  assert.deepEqual(r.fuzzy, [s.id], 'the place is reported as the candidate');
  assert.deepEqual(r.orphaned, [s.id]);
  assert.deepEqual(r.spans[0].flags, ['orphan']);
  const where = changed.indexOf('dry, hacking cough');
  assert.deepEqual(r.spans[0].fragments, [[where, where]], 'it sits where its words were');
  assert.equal(r.spans[0].quote.text, 'dry cough', 'the old words are kept, the only record of what was labelled');
});

test('an outside edit that rewrites a label\'s own words ("depression" → "anxiety") never moves the label onto the new words', () => {
  const text = 'PAST MEDICAL HISTORY: History of depression since 2010, treated with sertraline.\nNo other problems.';
  const s = span(text, [at(text, 'depression')]);
  const changed = text.replace('depression', 'anxiety');
  const r = reanchorSpans(changed, [s]);
  assert.ok(r.spans[0].flags.includes('orphan'));
  assert.notEqual(covered(changed, r.spans[0]), 'anxiety');
});

test('a change of case or spacing only keeps the label on its words, flagged edited', () => {
  const s = span(note, [at(note, 'dry cough')]);
  const changed = note.replace('dry cough', 'Dry  cough');
  const r = reanchorSpans(changed, [s]);
  assert.equal(covered(changed, r.spans[0]), 'Dry  cough');
  assert.deepEqual(r.spans[0].flags, ['edited']);
});

test('a discontinuous span is re-anchored with its exact shape from the quote', () => {
  const text = 'Rash over the arms and the skin of the legs.';
  const s = span(text, [[0, 4], [27, 31]]); // "Rash" … "skin"
  const changed = 'Exam: ' + text.replace('over', 'all over');
  const r = reanchorSpans(changed, [s]);
  // The covered text changed ("over" → "all over"), so the exact quote is gone: an orphan, not a guess.
  assert.deepEqual(r.orphaned, [s.id]);
  const moved = 'Exam: ' + text;
  const r2 = reanchorSpans(moved, [s]);
  assert.equal(covered(moved, r2.spans[0]), 'Rash skin');
  assert.deepEqual(r2.spans[0].fragments, [[6, 10], [33, 37]]);
});

test('strict mode (orphan recovery while typing) refuses a different context', () => {
  const s = span(note, [at(note, 'nausea')]);
  const without = note.replace('She also reports nausea from metformin. ', '');
  const orphan = reanchorSpans(without, [s]).spans[0];
  const elsewhere = without + ' Nausea? no: nausea resolved.';
  assert.deepEqual(reanchorSpans(elsewhere, [orphan], { strict: true }).recovered, []);
  assert.deepEqual(reanchorSpans(note, [orphan], { strict: true }).recovered, [s.id]);
});

test('a quote that still occurs once but lost all its context is still found', () => {
  const s = span(note, [at(note, 'losartan')], 'DRUG');
  const changed = 'Switched to losartan 50 mg daily.';
  const r = reanchorSpans(changed, [s]);
  assert.equal(covered(changed, r.spans[0]), 'losartan');
});
