/**
 * Long notes are cut into overlapping windows of tokens. Design choices, and why:
 * - Windows start on word boundaries, so a word is whole in at least one window and gets its prediction
 *   from there (word-level aggregation needs all its pieces).
 * - When a note is longer than one window, EVERY window has exactly `size` tokens: the last one is aligned
 *   to the end of the note instead of being short. Models that must not be padded (`padding: false`, e.g. a
 *   BiLSTM whose backward pass would read the padding) can then run all windows of a note in one batch.
 * - Each token takes its prediction from the window where its word is most central (farthest from a cut
 *   window edge; the note's own start and end are not cuts), so every token is predicted, to the last line.
 */
export interface Window {
  /** First token (index into the note's tokens, special tokens excluded). */
  start: number;
  /** One past the last token. */
  end: number;
}

function isWordStart(wordIds: ArrayLike<number | null>, i: number): boolean {
  return i === 0 || wordIds[i] !== wordIds[i - 1];
}

/** Plans windows of `size` tokens sharing about `stride` tokens with the next one. */
export function planWindows(wordIds: ArrayLike<number | null>, size: number, stride: number): Window[] {
  const n = wordIds.length;
  if (n <= size) return [{ start: 0, end: n }];
  const step = Math.max(1, size - stride);
  const windows: Window[] = [];
  let s = 0;
  for (;;) {
    if (s + size >= n) {
      windows.push({ start: n - size, end: n });
      return windows;
    }
    windows.push({ start: s, end: s + size });
    const target = s + step;
    let t = target;
    while (t > s && !isWordStart(wordIds, t)) t--;
    // A single word longer than the step cannot start a window: cut it (its pieces fall back to per token).
    s = t === s ? target : t;
  }
}

/**
 * For every token, the index of the window whose prediction it takes: its word's most central window
 * among those holding the whole word, or, for a word longer than a window, the token's own most central one.
 */
export function assignTokensToWindows(wordIds: ArrayLike<number | null>, windows: Window[]): Int32Array {
  const n = wordIds.length;
  const owner = new Int32Array(n);
  if (windows.length === 1) return owner;
  const margin = (w: Window, a: number, b: number): number =>
    Math.min(w.start === 0 ? Infinity : a - w.start, w.end === n ? Infinity : w.end - b);
  let first = 0; // first window that can still hold the current word (windows are sorted by start and end)
  for (let a = 0; a < n; ) {
    let b = a + 1;
    while (b < n && !isWordStart(wordIds, b)) b++;
    while (first < windows.length - 1 && windows[first].end < b) first++;
    let best = -1;
    let bestMargin = -Infinity;
    for (let w = first; w < windows.length && windows[w].start <= a; w++) {
      if (windows[w].end < b) continue;
      const m = margin(windows[w], a, b);
      if (m > bestMargin) {
        bestMargin = m;
        best = w;
      }
    }
    if (best >= 0) owner.fill(best, a, b);
    else {
      for (let i = a; i < b; i++) {
        let bw = 0;
        let bm = -Infinity;
        for (let w = 0; w < windows.length; w++) {
          if (windows[w].start <= i && i < windows[w].end && margin(windows[w], i, i + 1) > bm) {
            bm = margin(windows[w], i, i + 1);
            bw = w;
          }
        }
        owner[i] = bw;
      }
    }
    a = b;
  }
  return owner;
}
