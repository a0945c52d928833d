import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignTokensToWindows, planWindows } from '../../../src/core/model/windows';

/** Word ids for words of the given piece counts: [2, 1] → [0, 0, 1]. */
function wordIds(pieces: number[]): number[] {
  return pieces.flatMap((n, w) => new Array<number>(n).fill(w));
}

test('a short note is one window', () => {
  assert.deepEqual(planWindows(wordIds([1, 2, 1]), 10, 2), [{ start: 0, end: 4 }]);
  assert.deepEqual(planWindows([], 10, 2), [{ start: 0, end: 0 }]);
});

test('long notes: equal-length windows, word-aligned starts, the last aligned to the end, every word whole somewhere', () => {
  // A deterministic mix of 1- to 4-piece words.
  const pieces = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7) % 4));
  const ids = wordIds(pieces);
  for (const [size, stride] of [[16, 4], [32, 8], [50, 0], [7, 3]]) {
    const windows = planWindows(ids, size, stride);
    assert.ok(windows.length > 1);
    for (const w of windows) assert.equal(w.end - w.start, size, 'all windows have the same length');
    assert.equal(windows[0].start, 0);
    assert.equal(windows[windows.length - 1].end, ids.length);
    for (const w of windows.slice(0, -1)) assert.ok(w.start === 0 || ids[w.start] !== ids[w.start - 1], 'starts on a word');
    for (let k = 1; k < windows.length; k++) assert.ok(windows[k].start <= windows[k - 1].end, 'no gap between windows');
    const owner = assignTokensToWindows(ids, windows);
    for (let i = 0; i < ids.length; i++) {
      const w = windows[owner[i]];
      assert.ok(w.start <= i && i < w.end, `token ${i} reads a window that holds it`);
      // The whole word is inside the owning window, so aggregation sees all its pieces.
      let a = i;
      while (a > 0 && ids[a - 1] === ids[i]) a--;
      let b = i + 1;
      while (b < ids.length && ids[b] === ids[i]) b++;
      assert.ok(w.start <= a && b <= w.end, `word of token ${i} is whole in its window`);
      assert.equal(owner[a], owner[i], 'all pieces of a word read the same window');
    }
  }
});

test('a token reads the window where it is most central', () => {
  const ids = wordIds(new Array<number>(30).fill(1));
  const windows = planWindows(ids, 10, 4); // starts 0, 6, 12, 18, 20
  assert.deepEqual(
    windows.map((w) => w.start),
    [0, 6, 12, 18, 20],
  );
  const owner = assignTokensToWindows(ids, windows);
  assert.equal(owner[0], 0);
  assert.equal(owner[7], 0, 'token 7: margin 2 in window 0 (to its cut end at 10) vs 1 in window 1');
  assert.equal(owner[9], 1);
  assert.equal(owner[29], 4, 'the note end is not a cut: the last window owns the tail');
});

test('a word longer than a window is cut and its pieces still all get a window', () => {
  const ids = wordIds([3, 25, 2]);
  const windows = planWindows(ids, 8, 2);
  const owner = assignTokensToWindows(ids, windows);
  for (let i = 0; i < ids.length; i++) assert.ok(windows[owner[i]].start <= i && i < windows[owner[i]].end);
});
