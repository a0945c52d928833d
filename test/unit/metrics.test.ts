import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, greedyPairs, lenientMatches, prf, strictMatches } from '../../src/core/metrics';

const s = (label: string, start: number, end: number) => ({ label, start, end });

test('strict: same label, start and end; each span used once', () => {
  assert.equal(strictMatches([s('ADE', 0, 4), s('ADE', 0, 4)], [s('ADE', 0, 4)]), 1);
  assert.equal(strictMatches([s('ADE', 0, 4)], [s('ADE', 0, 5), s('DRUG', 0, 4)]), 0);
});

test('lenient: one long prediction pairs with one gold span only, greedily by largest overlap', () => {
  const gold = [s('ADE', 0, 4), s('ADE', 5, 20), s('ADE', 22, 25)];
  const pred = [s('ADE', 0, 25)];
  assert.equal(lenientMatches(gold, pred), 1);
  assert.deepEqual(greedyPairs(gold, pred, () => true), [[1, 0]]);
  // Two predictions: the larger overlap wins first, the other pairs with what is left.
  assert.deepEqual(greedyPairs([s('ADE', 0, 10)], [s('ADE', 0, 3), s('ADE', 2, 10)], () => true), [[0, 1]]);
  assert.equal(lenientMatches([s('ADE', 0, 10), s('ADE', 12, 14)], [s('ADE', 2, 13)]), 1);
  assert.equal(lenientMatches([s('ADE', 0, 4)], [s('ADE', 4, 8)]), 0, 'touching is not overlapping');
});

test('P/R/F1 per label, strict and lenient, and error types', () => {
  const r = evaluate(
    [
      { gold: [s('ADE', 0, 4), s('DRUG', 10, 20)], predicted: [s('ADE', 0, 4), s('DRUG', 10, 18)] },
      { gold: [s('ADE', 0, 5), s('ADE', 10, 12)], predicted: [s('DRUG', 0, 5), s('ADE', 30, 33)] },
    ],
    ['ADE', 'DRUG'],
  );
  assert.deepEqual(r.labels.ADE.strict, prf(1, 2, 3));
  assert.ok(Math.abs(r.labels.ADE.strict.p - 0.5) < 1e-12);
  assert.ok(Math.abs(r.labels.ADE.strict.r - 1 / 3) < 1e-12);
  assert.ok(Math.abs(r.labels.ADE.strict.f1 - 0.4) < 1e-12);
  assert.equal(r.labels.DRUG.strict.tp, 0);
  assert.equal(r.labels.DRUG.lenient.tp, 1);
  assert.ok(Math.abs(r.labels.DRUG.lenient.p - 0.5) < 1e-12);
  assert.equal(r.micro.strict.tp, 1);
  assert.deepEqual(r.errors.ADE, { correct: 1, wrongLabel: 1, boundary: 0, labelAndBoundary: 0, missed: 1, spurious: 1 });
  assert.deepEqual(r.errors.DRUG, { correct: 0, wrongLabel: 0, boundary: 1, labelAndBoundary: 0, missed: 0, spurious: 0 });
  assert.equal(r.confusion.ADE.DRUG, 1);
  assert.equal(r.confusion.ADE['(none)'], 1);
  assert.equal(r.confusion['(none)'].ADE, 1);
});

test('no predictions and no gold give zeros, not NaN', () => {
  const r = evaluate([{ gold: [], predicted: [] }], ['ADE']);
  assert.deepEqual(r.labels.ADE.strict, { p: 0, r: 0, f1: 0, tp: 0, predicted: 0, gold: 0 });
});
