/**
 * Span-level evaluation, pure functions. Spans are compared by label and outer bounds (`start`, `end`):
 * - strict: same label, same start and same end;
 * - lenient: same label and overlapping; each gold and each predicted span is paired at most once, greedily
 *   by largest overlap (design.md), so one long prediction cannot "hit" three gold spans.
 * Errors are classified the usual way (MUC/SemEval-style): exact match, wrong label (same bounds), boundary
 * (same label, overlapping), label and boundary (overlapping, both differ), missed, spurious.
 */

export interface SpanLike {
  label: string;
  start: number;
  end: number;
}

export interface Prf {
  p: number;
  r: number;
  f1: number;
  /** Matched pairs, predicted spans, gold spans. */
  tp: number;
  predicted: number;
  gold: number;
}

export interface LabelMetrics {
  strict: Prf;
  lenient: Prf;
}

export interface ErrorCounts {
  correct: number;
  wrongLabel: number;
  boundary: number;
  labelAndBoundary: number;
  missed: number;
  spurious: number;
}

export interface EvalResult {
  /** Per label, in first-seen order (gold first). */
  labels: Record<string, LabelMetrics>;
  /** All labels pooled. */
  micro: LabelMetrics;
  /** Error types per label: a gold span's label for all but `spurious`, which counts under the predicted label. */
  errors: Record<string, ErrorCounts>;
  /** `confusion[gold][predicted]`: paired spans (exact or overlapping); `"(none)"` for missed and spurious. */
  confusion: Record<string, Record<string, number>>;
}

export interface DocPair {
  gold: SpanLike[];
  predicted: SpanLike[];
}

export const NONE = '(none)';

export function prf(tp: number, predicted: number, gold: number): Prf {
  const p = predicted ? tp / predicted : 0;
  const r = gold ? tp / gold : 0;
  return { p, r, f1: p + r ? (2 * p * r) / (p + r) : 0, tp, predicted, gold };
}

function overlap(a: SpanLike, b: SpanLike): number {
  return Math.min(a.end, b.end) - Math.max(a.start, b.start);
}

/** Exact pairs (same label and bounds), each span used once; returns the pair count. */
export function strictMatches(gold: SpanLike[], predicted: SpanLike[]): number {
  const pool = new Map<string, number>();
  for (const g of gold) {
    const k = `${g.label}\u0000${g.start}\u0000${g.end}`;
    pool.set(k, (pool.get(k) ?? 0) + 1);
  }
  let tp = 0;
  for (const p of predicted) {
    const k = `${p.label}\u0000${p.start}\u0000${p.end}`;
    const n = pool.get(k) ?? 0;
    if (n > 0) {
      tp++;
      pool.set(k, n - 1);
    }
  }
  return tp;
}

/**
 * Pairs gold and predicted spans that satisfy `ok`, greedily by largest overlap (ties: earliest gold, then
 * earliest prediction), each span at most once. Returns index pairs.
 */
export function greedyPairs(gold: SpanLike[], predicted: SpanLike[], ok: (g: SpanLike, p: SpanLike) => boolean): [number, number][] {
  const candidates: [number, number, number][] = [];
  gold.forEach((g, i) =>
    predicted.forEach((p, j) => {
      const o = overlap(g, p);
      if (o > 0 && ok(g, p)) candidates.push([o, i, j]);
    }),
  );
  candidates.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const usedG = new Set<number>();
  const usedP = new Set<number>();
  const pairs: [number, number][] = [];
  for (const [, i, j] of candidates) {
    if (usedG.has(i) || usedP.has(j)) continue;
    usedG.add(i);
    usedP.add(j);
    pairs.push([i, j]);
  }
  return pairs;
}

export function lenientMatches(gold: SpanLike[], predicted: SpanLike[]): number {
  return greedyPairs(gold, predicted, (g, p) => g.label === p.label).length;
}

function emptyErrors(): ErrorCounts {
  return { correct: 0, wrongLabel: 0, boundary: 0, labelAndBoundary: 0, missed: 0, spurious: 0 };
}

/** Classifies every gold and predicted span of one document into the error types. */
function classifyErrors(gold: SpanLike[], predicted: SpanLike[], errors: Record<string, ErrorCounts>, confusion: Record<string, Record<string, number>>): void {
  const errs = (label: string): ErrorCounts => (errors[label] ??= emptyErrors());
  const confuse = (g: string, p: string): void => {
    const row = (confusion[g] ??= {});
    row[p] = (row[p] ?? 0) + 1;
  };
  let g = gold.map((s, i) => ({ s, i }));
  let p = predicted.map((s, i) => ({ s, i }));
  const take = (ok: (a: SpanLike, b: SpanLike) => boolean, kind: keyof ErrorCounts): void => {
    const pairs = greedyPairs(
      g.map((x) => x.s),
      p.map((x) => x.s),
      ok,
    );
    const gUsed = new Set(pairs.map(([a]) => a));
    const pUsed = new Set(pairs.map(([, b]) => b));
    for (const [a, b] of pairs) {
      errs(g[a].s.label)[kind]++;
      confuse(g[a].s.label, p[b].s.label);
    }
    g = g.filter((_, k) => !gUsed.has(k));
    p = p.filter((_, k) => !pUsed.has(k));
  };
  const same = (a: SpanLike, b: SpanLike): boolean => a.start === b.start && a.end === b.end;
  take((a, b) => same(a, b) && a.label === b.label, 'correct');
  take((a, b) => same(a, b), 'wrongLabel');
  take((a, b) => a.label === b.label, 'boundary');
  take(() => true, 'labelAndBoundary');
  for (const x of g) {
    errs(x.s.label).missed++;
    confuse(x.s.label, NONE);
  }
  for (const x of p) {
    errs(x.s.label).spurious++;
    confuse(NONE, x.s.label);
  }
}

/** Strict and lenient P/R/F1 per label and pooled, error types and label confusion over all documents. */
export function evaluate(docs: DocPair[], labelOrder: string[] = []): EvalResult {
  const labels = [...labelOrder];
  const see = (l: string): void => {
    if (!labels.includes(l)) labels.push(l);
  };
  for (const d of docs) d.gold.forEach((s) => see(s.label));
  for (const d of docs) d.predicted.forEach((s) => see(s.label));

  const counts = new Map<string, { strict: number; lenient: number; predicted: number; gold: number }>();
  for (const l of labels) counts.set(l, { strict: 0, lenient: 0, predicted: 0, gold: 0 });
  const errors: Record<string, ErrorCounts> = {};
  const confusion: Record<string, Record<string, number>> = {};
  for (const l of labels) errors[l] = emptyErrors();
  for (const d of docs) {
    for (const l of labels) {
      const g = d.gold.filter((s) => s.label === l);
      const p = d.predicted.filter((s) => s.label === l);
      const c = counts.get(l) as { strict: number; lenient: number; predicted: number; gold: number };
      c.gold += g.length;
      c.predicted += p.length;
      if (g.length && p.length) {
        c.strict += strictMatches(g, p);
        c.lenient += lenientMatches(g, p);
      }
    }
    classifyErrors(d.gold, d.predicted, errors, confusion);
  }
  const out: Record<string, LabelMetrics> = {};
  const total = { strict: 0, lenient: 0, predicted: 0, gold: 0 };
  for (const l of labels) {
    const c = counts.get(l) as typeof total;
    out[l] = { strict: prf(c.strict, c.predicted, c.gold), lenient: prf(c.lenient, c.predicted, c.gold) };
    total.strict += c.strict;
    total.lenient += c.lenient;
    total.predicted += c.predicted;
    total.gold += c.gold;
  }
  return {
    labels: out,
    micro: { strict: prf(total.strict, total.predicted, total.gold), lenient: prf(total.lenient, total.predicted, total.gold) },
    errors,
    confusion,
  };
}
