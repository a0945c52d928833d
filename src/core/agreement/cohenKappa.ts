/**
 * Cohen's kappa between two annotators who each gave every item one category:
 * kappa = (po - pe) / (1 - pe), po the share of items they put in the same category, pe the share expected
 * by chance from each one's own category frequencies, sum over c of (a_c / n) * (b_c / n).
 *
 * Counts rather than lists, so that notes can be pooled: add each note's counts, then compute once.
 */
export interface KappaCounts {
  /** Items both annotators categorised. */
  n: number;
  /** Items in the same category. */
  agreed: number;
  /** Per category: how many items each annotator put in it. */
  a: Map<string, number>;
  b: Map<string, number>;
}

export interface Kappa {
  /** null when undefined: no items, or both annotators put every item in one and the same category (pe = 1). */
  kappa: number | null;
  /** Observed agreement po; null when there are no items. */
  observed: number | null;
}

export function emptyKappaCounts(): KappaCounts {
  return { n: 0, agreed: 0, a: new Map(), b: new Map() };
}

/** Adds the paired categories of one list of items (same length, same order) to `counts`. */
export function addToKappaCounts(counts: KappaCounts, a: readonly string[], b: readonly string[]): KappaCounts {
  if (a.length !== b.length) throw new Error(`kappa: ${a.length} categories against ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    counts.n++;
    if (a[i] === b[i]) counts.agreed++;
    counts.a.set(a[i], (counts.a.get(a[i]) ?? 0) + 1);
    counts.b.set(b[i], (counts.b.get(b[i]) ?? 0) + 1);
  }
  return counts;
}

export function mergeKappaCounts(into: KappaCounts, from: KappaCounts): KappaCounts {
  into.n += from.n;
  into.agreed += from.agreed;
  for (const [c, k] of from.a) into.a.set(c, (into.a.get(c) ?? 0) + k);
  for (const [c, k] of from.b) into.b.set(c, (into.b.get(c) ?? 0) + k);
  return into;
}

export function cohenKappa(counts: KappaCounts): Kappa {
  const { n } = counts;
  if (n === 0) return { kappa: null, observed: null };
  const observed = counts.agreed / n;
  let expected = 0;
  for (const [c, k] of counts.a) expected += (k / n) * ((counts.b.get(c) ?? 0) / n);
  // pe = 1 only when both used one single category for everything: agreement by construction, no kappa.
  if (expected >= 1 - 1e-12) return { kappa: null, observed };
  return { kappa: (observed - expected) / (1 - expected), observed };
}
