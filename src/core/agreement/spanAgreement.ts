import { AgreementSpan, Fragment } from './agreementInput';

/**
 * Span-level agreement between two annotators on one note, for spans of one label. F1 is symmetric: with
 * one annotator taken as the reference, precision and recall swap, F1 = 2·matched / (a + b).
 * - strict: the same label and exactly the same fragments;
 * - lenient: the same label and at least one character in common; each span is paired at most once,
 *   greedily by the largest overlap (ties: the earlier span of `a`, then of `b`), as the model evaluation
 *   pairs gold and predicted spans (metrics.ts), so one long span cannot match three short ones.
 */
export interface SpanCounts {
  /** Spans paired across the two annotators. */
  matched: number;
  /** Spans of each annotator. */
  a: number;
  b: number;
}

export function emptySpanCounts(): SpanCounts {
  return { matched: 0, a: 0, b: 0 };
}

export function addSpanCounts(into: SpanCounts, from: SpanCounts): SpanCounts {
  into.matched += from.matched;
  into.a += from.a;
  into.b += from.b;
  return into;
}

/** 2·matched / (a + b); null when neither annotator has a span (nothing to agree or disagree on). */
export function spanF1(c: SpanCounts): number | null {
  return c.a + c.b ? (2 * c.matched) / (c.a + c.b) : null;
}

const key = (s: AgreementSpan): string => `${s.label}\u0000${s.fragments.map(([x, y]) => `${x},${y}`).join(';')}`;

export function strictCounts(a: readonly AgreementSpan[], b: readonly AgreementSpan[]): SpanCounts {
  const pool = new Map<string, number>();
  for (const s of a) pool.set(key(s), (pool.get(key(s)) ?? 0) + 1);
  let matched = 0;
  for (const s of b) {
    const left = pool.get(key(s)) ?? 0;
    if (left > 0) {
      matched++;
      pool.set(key(s), left - 1);
    }
  }
  return { matched, a: a.length, b: b.length };
}

/** Characters two spans share: the fragments' intersections, so a gap of a discontinuous span is not counted. */
export function fragmentOverlap(x: readonly Fragment[], y: readonly Fragment[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    total += Math.max(0, Math.min(x[i][1], y[j][1]) - Math.max(x[i][0], y[j][0]));
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return total;
}

export function lenientCounts(a: readonly AgreementSpan[], b: readonly AgreementSpan[]): SpanCounts {
  const candidates: [number, number, number][] = [];
  a.forEach((x, i) =>
    b.forEach((y, j) => {
      if (x.label !== y.label) return;
      const o = fragmentOverlap(x.fragments, y.fragments);
      if (o > 0) candidates.push([o, i, j]);
    }),
  );
  candidates.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  for (const [, i, j] of candidates) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
  }
  return { matched: usedA.size, a: a.length, b: b.length };
}
