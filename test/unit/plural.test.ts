import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { count } from '../../src/core/plural';

test('one is singular; zero and many are plural; irregular plurals are given', () => {
  assert.equal(count(1, 'span'), '1 span');
  assert.equal(count(0, 'span'), '0 spans');
  assert.equal(count(2, 'suggestion'), '2 suggestions');
  assert.equal(count(3, 'entity', 'entities'), '3 entities');
  assert.equal(count(1200, 'note'), '1,200 notes');
});
