import { suggestAssertions } from './model/assertions';
import { prf, Prf } from './relationMetrics';
import { Span } from './span';

/**
 * How well the context rules' assertion (model/assertions.ts) matches gold `assertion` attributes, given the
 * gold spans: over the gold spans that carry an assertion, the accuracy, and per value precision, recall and
 * F1 (a span predicted `absent` whose gold is `present` is a false positive of `absent` and a false negative
 * of `present`). Used by `sidelight eval`. Undefined when no gold span carries an assertion.
 */
export interface AssertionScores {
  /** Gold spans with an assertion. */
  spans: number;
  accuracy: number;
  values: Record<string, Prf>;
}

export function scoreAssertions(rows: readonly { text: string; spans: readonly Span[] }[]): AssertionScores | undefined {
  const pairs: [gold: string, predicted: string][] = [];
  for (const row of rows) {
    const predicted = suggestAssertions(row.text, row.spans);
    row.spans.forEach((s, i) => {
      const gold = s.attributes?.assertion;
      if (gold !== undefined) pairs.push([gold, predicted[i]]);
    });
  }
  if (pairs.length === 0) return undefined;
  const values: Record<string, Prf> = {};
  for (const v of [...new Set(pairs.flat())].sort()) {
    const tp = pairs.filter(([g, p]) => g === v && p === v).length;
    values[v] = prf(tp, pairs.filter(([, p]) => p === v).length, pairs.filter(([g]) => g === v).length);
  }
  return { spans: pairs.length, accuracy: pairs.filter(([g, p]) => g === p).length / pairs.length, values };
}
