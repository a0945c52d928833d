import { DocPair, evaluate, SpanLike } from '../metrics';
import { seededRandom } from '../seededRandom';

/**
 * Old model against new on the held-out notes: per label, strict and lenient F1 of each with a 95%
 * bootstrap interval (notes resampled with replacement; the same resamples for both models, so the
 * difference is paired), and how often the new one was better.
 */

export interface F1WithInterval {
  f1: number;
  low: number;
  high: number;
}

export interface LabelComparison {
  label: string;
  mode: 'strict' | 'lenient';
  gold: number;
  old: F1WithInterval;
  new: F1WithInterval;
  /** Share of the resamples in which the new model's F1 is higher. */
  newBetter: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export function compareModels(
  gold: readonly SpanLike[][],
  oldPredicted: readonly SpanLike[][],
  newPredicted: readonly SpanLike[][],
  labels: readonly string[],
  options: { samples?: number; seed?: number } = {},
): LabelComparison[] {
  const samples = options.samples ?? 1000;
  const rnd = seededRandom(options.seed ?? 1);
  const docs = (pred: readonly SpanLike[][], idx: readonly number[]): DocPair[] => idx.map((i) => ({ gold: gold[i], predicted: pred[i] }));
  const all = gold.map((_, i) => i);
  const oldAll = evaluate(docs(oldPredicted, all), [...labels]);
  const newAll = evaluate(docs(newPredicted, all), [...labels]);
  const draws: { old: ReturnType<typeof evaluate>; new: ReturnType<typeof evaluate> }[] = [];
  for (let b = 0; b < samples; b++) {
    const idx = all.map(() => Math.floor(rnd() * all.length));
    draws.push({ old: evaluate(docs(oldPredicted, idx), [...labels]), new: evaluate(docs(newPredicted, idx), [...labels]) });
  }
  const out: LabelComparison[] = [];
  for (const label of labels) {
    for (const mode of ['strict', 'lenient'] as const) {
      const f1 = (r: ReturnType<typeof evaluate>) => r.labels[label]?.[mode].f1 ?? 0;
      const o = draws.map((d) => f1(d.old)).sort((a, b) => a - b);
      const n = draws.map((d) => f1(d.new)).sort((a, b) => a - b);
      out.push({
        label,
        mode,
        gold: oldAll.labels[label]?.[mode].gold ?? 0,
        old: { f1: f1(oldAll), low: percentile(o, 0.025), high: percentile(o, 0.975) },
        new: { f1: f1(newAll), low: percentile(n, 0.025), high: percentile(n, 0.975) },
        newBetter: samples ? draws.filter((d) => f1(d.new) > f1(d.old)).length / samples : 0,
      });
    }
  }
  return out;
}

const f = (x: number) => x.toFixed(3);

/** The table the CLI prints and the panel shows: one line per label and mode. */
export function formatComparison(rows: readonly LabelComparison[]): string {
  const lines = [`${'label'.padEnd(8)}${'mode'.padEnd(9)}${'gold'.padStart(5)}   ${'old F1 [95% CI]'.padEnd(22)}${'new F1 [95% CI]'.padEnd(22)}new better`];
  for (const r of rows) {
    const cell = (x: F1WithInterval) => `${f(x.f1)} [${f(x.low)}, ${f(x.high)}]`.padEnd(22);
    lines.push(`${r.label.padEnd(8)}${r.mode.padEnd(9)}${String(r.gold).padStart(5)}   ${cell(r.old)}${cell(r.new)}${(r.newBetter * 100).toFixed(0).padStart(5)}%`);
  }
  return lines.join('\n');
}
