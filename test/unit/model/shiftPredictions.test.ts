import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Span } from '../../../src/core/span';
import { shiftPredictions } from '../../../src/core/model/shiftPredictions';

const text = 'Rash caused by amoxicillin.';
const spans: Span[] = [
  { label: 'ADE', start: 0, end: 4, text: 'Rash', score: 0.9 },
  { label: 'DRUG', start: 15, end: 26, text: 'amoxicillin', score: 0.8 },
];

function apply(t: string, c: { rangeOffset: number; rangeLength: number; text: string }): string {
  return t.slice(0, c.rangeOffset) + c.text + t.slice(c.rangeOffset + c.rangeLength);
}

test('typing before a span shifts it; the text at its offsets is unchanged', () => {
  const change = { rangeOffset: 5, rangeLength: 0, text: 'was ' };
  const out = shiftPredictions(spans, [change]);
  const t2 = apply(text, change);
  assert.equal(out.length, 2);
  assert.equal(t2.slice(out[1].start, out[1].end), 'amoxicillin');
  assert.equal(t2.slice(out[0].start, out[0].end), 'Rash');
});

test('typing inside a span drops it until the model runs again', () => {
  const out = shiftPredictions(spans, [{ rangeOffset: 18, rangeLength: 2, text: 'X' }]);
  assert.deepEqual(out.map((s) => s.label), ['ADE']);
});

test('a letter typed against a span touches it; a space does not', () => {
  assert.equal(shiftPredictions(spans, [{ rangeOffset: 4, rangeLength: 0, text: 'y' }]).length, 1);
  const spaced = shiftPredictions(spans, [{ rangeOffset: 4, rangeLength: 0, text: ' ' }]);
  assert.equal(spaced.length, 2);
  assert.equal(spaced[1].start, 16);
});

test('several changes in one event apply in order', () => {
  // VS Code reports multi-cursor edits last-first, so each offset is valid on the text before it.
  const changes = [
    { rangeOffset: 27, rangeLength: 0, text: ' Stopped.' },
    { rangeOffset: 0, rangeLength: 0, text: 'New ' },
  ];
  const out = shiftPredictions(spans, changes);
  const t2 = changes.reduce(apply, text);
  assert.deepEqual(out.map((s) => t2.slice(s.start, s.end)), ['Rash', 'amoxicillin']);
  const touching = shiftPredictions(spans, [{ rangeOffset: 0, rangeLength: 0, text: 'Skin' }]);
  assert.deepEqual(touching.map((s) => s.label), ['DRUG'], 'a word typed right before "Rash" touches it');
});
