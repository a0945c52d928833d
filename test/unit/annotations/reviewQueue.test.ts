import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certainty, orderQueue, QueueItem } from '../../../src/core/annotations/reviewQueue';

const item = (note: string, start: number, score: number, kind: QueueItem['kind'] = 'prediction', label = 'ADE'): QueueItem => ({ note, label, start, end: start + 4, text: 'word', score, kind, ...(kind === 'suggestion' ? { id: `${note}:${start}` } : {}) });

test('the review queue: least certain first (distance to the threshold), ties by note and place; a prediction a suggestion covers is offered once', () => {
  const items = [
    item('b.txt', 10, 0.95),
    item('a.txt', 30, 0.55),
    item('a.txt', 5, 0.45),
    item('c.txt', 0, 0.62, 'suggestion'),
    item('c.txt', 0, 0.62, 'prediction'),
    item('a.txt', 50, 0.9, 'prediction', 'DRUG'),
  ];
  const order = orderQueue(items, 0.5);
  assert.deepEqual(
    order.map((i) => [i.note, i.start, i.score, i.kind]),
    [
      ['a.txt', 5, 0.45, 'prediction'],
      ['a.txt', 30, 0.55, 'prediction'],
      ['c.txt', 0, 0.62, 'suggestion'],
      ['a.txt', 50, 0.9, 'prediction'],
      ['b.txt', 10, 0.95, 'prediction'],
    ],
  );
  assert.ok(Math.abs(certainty({ score: 0.45 }, 0.5) - 0.05) < 1e-12);
  assert.deepEqual(orderQueue(order, 0.5), order, 'stable: rebuilding gives the same order');
  assert.deepEqual(orderQueue(items, 0.9)[0].score, 0.9, 'another threshold, another first item');
});
