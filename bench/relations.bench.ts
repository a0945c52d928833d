/**
 * `npm run bench:relations`: how well the baseline `caused_by` suggestion (src/core/model/relationBaseline.ts:
 * the nearest DRUG in the same sentence) finds the ADE corpus's drug–effect pairs. Not a test: it prints the
 * figures beside the goals and asserts nothing.
 *
 *   node out/bench/relations.bench.js [--data FILE] [--model DIR]
 *
 * On the ADE dev split (`ade/dev.jsonl` of the shared data folder beside the repository by default, or
 * --data FILE; the figures go to bench/results/relations.json and docs/relations.md):
 * 1. given the gold spans: the baseline runs on the corpus's own ADE and DRUG spans;
 * 2. end to end: the default model predicts the spans (with its context post-step, as the editor runs it),
 *    the baseline links them, and a predicted relation counts only when both its spans match gold spans
 *    exactly (label, start, end) and the corpus links those two.
 * A relation is the triple (sentence, ADE offsets, DRUG offsets); precision, recall and F1 are micro-averaged
 * over all of them. For comparison, the same with every DRUG of the sentence linked to every ADE.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelDir, packageRoot } from '../src/core/model/defaultModel';
import { sentenceRanges, suggestCausedBy, SuggestedRelation } from '../src/core/model/relationBaseline';
import { ModelRunner } from '../src/core/model/runner';
import { Span } from '../src/core/span';

const ROOT = packageRoot(__dirname);
const GOALS = { goldSpansF1: 0.8, endToEndF1: 0.55 };

interface Row {
  id: string;
  text: string;
  spans: Span[];
  relations: { label: string; from: number; to: number }[];
}

interface Prf {
  tp: number;
  predicted: number;
  gold: number;
  precision: number;
  recall: number;
  f1: number;
}

function prf(tp: number, predicted: number, gold: number): Prf {
  const precision = predicted ? tp / predicted : 0;
  const recall = gold ? tp / gold : 0;
  return { tp, predicted, gold, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

const spanKey = (s: Span) => `${s.label}:${s.start}-${s.end}`;
const relKey = (id: string, from: Span, to: Span) => `${id}|${spanKey(from)}|${spanKey(to)}`;

function goldRelations(rows: Row[]): Set<string> {
  return new Set(rows.flatMap((r) => r.relations.map((x) => relKey(r.id, r.spans[x.from], r.spans[x.to]))));
}

/** Every DRUG of the ADE's sentence: the recall ceiling of any one-sentence rule, at its precision cost. */
function allInSentence(text: string, spans: readonly Span[]): SuggestedRelation[] {
  const sentences = sentenceRanges(text);
  const sentence = (o: number) => sentences.findIndex(([a, b]) => o >= a && o < b);
  const out: SuggestedRelation[] = [];
  spans.forEach((a, i) => {
    if (a.label !== 'ADE') return;
    spans.forEach((d, j) => {
      if (d.label === 'DRUG' && sentence(d.start) === sentence(a.start)) out.push({ type: 'caused_by', from: i, to: j });
    });
  });
  return out;
}

function score(rows: Row[], spansOf: (r: Row, i: number) => Span[], link: (text: string, spans: Span[]) => SuggestedRelation[]): Prf {
  const gold = goldRelations(rows);
  const predicted = new Set<string>();
  rows.forEach((r, i) => {
    const spans = spansOf(r, i);
    for (const x of link(r.text, spans)) predicted.add(relKey(r.id, spans[x.from], spans[x.to]));
  });
  const tp = [...predicted].filter((k) => gold.has(k)).length;
  return prf(tp, predicted.size, gold.size);
}

function spanScore(rows: Row[], predicted: Span[][]): Record<string, Prf> {
  const out: Record<string, Prf> = {};
  for (const label of ['ADE', 'DRUG']) {
    let tp = 0;
    let p = 0;
    let g = 0;
    rows.forEach((r, i) => {
      const gold = new Set(r.spans.filter((s) => s.label === label).map(spanKey));
      const pred = new Set(predicted[i].filter((s) => s.label === label).map(spanKey));
      g += gold.size;
      p += pred.size;
      for (const k of pred) if (gold.has(k)) tp++;
    });
    out[label] = prf(tp, p, g);
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);
const line = (name: string, m: Prf, goal?: number) =>
  `${name.padEnd(44)} P ${f3(m.precision)}  R ${f3(m.recall)}  F1 ${f3(m.f1)}  (${m.tp} of ${m.predicted} predicted, ${m.gold} gold)${goal !== undefined ? `  goal ≥ ${goal}: ${m.f1 >= goal ? 'met' : 'NOT met'}` : ''}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' } } });
  const data = values.data ?? path.resolve(ROOT, '..', 'shared', 'data', 'ade', 'dev.jsonl');
  if (!existsSync(data)) throw new Error(`no ADE dev split at ${data} (pass --data FILE)`);
  const rows = readFileSync(data, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const modelDir = values.model ?? defaultModelDir(__dirname);

  const nearestOnly = (text: string, spans: Span[]) => suggestCausedBy(text, spans, { coordinated: false });
  const goldNearestOnly = score(rows, (r) => r.spans, nearestOnly);
  const goldNearest = score(rows, (r) => r.spans, suggestCausedBy);
  const goldAll = score(rows, (r) => r.spans, allInSentence);

  const runner = await ModelRunner.load(modelDir);
  const predicted = await runner.predictBatch(rows.map((r) => r.text));
  await runner.dispose();
  const e2eNearestOnly = score(rows, (_r, i) => predicted[i], nearestOnly);
  const e2eNearest = score(rows, (_r, i) => predicted[i], suggestCausedBy);
  const e2eAll = score(rows, (_r, i) => predicted[i], allInSentence);
  const spans = spanScore(rows, predicted);
  // The most any linker can reach on these spans: gold relations whose two spans the model found exactly.
  const reachable = rows.reduce((n, r, i) => {
    const found = new Set(predicted[i].map(spanKey));
    return n + new Set(r.relations.filter((x) => found.has(spanKey(r.spans[x.from])) && found.has(spanKey(r.spans[x.to]))).map((x) => relKey(r.id, r.spans[x.from], r.spans[x.to]))).size;
  }, 0);

  console.log(`ADE dev: ${rows.length} sentences, ${goldRelations(rows).size} gold relations; model ${runner.name}@${runner.version}`);
  console.log(line('given gold spans: nearest DRUG only', goldNearestOnly));
  console.log(line('given gold spans: nearest + coordinated', goldNearest, GOALS.goldSpansF1));
  console.log(line('given gold spans: every DRUG in sentence', goldAll));
  console.log(line('end to end (strict spans): nearest DRUG only', e2eNearestOnly));
  console.log(line('end to end (strict spans): nearest + coord.', e2eNearest, GOALS.endToEndF1));
  console.log(line('end to end (strict spans): every DRUG', e2eAll));
  console.log(`end to end, ceiling: ${reachable} of ${goldRelations(rows).size} gold relations have both spans predicted exactly (recall ≤ ${f3(reachable / goldRelations(rows).size)}, F1 ≤ ${f3(prf(reachable, reachable, goldRelations(rows).size).f1)})`);
  console.log(line('model spans, strict: ADE', spans.ADE));
  console.log(line('model spans, strict: DRUG', spans.DRUG));

  const out = {
    data: path.relative(ROOT, data),
    sentences: rows.length,
    goldRelations: goldRelations(rows).size,
    model: { dir: path.relative(ROOT, modelDir), name: runner.name, version: runner.version },
    goals: GOALS,
    givenGoldSpans: { shipped: goldNearest, nearestDrugOnly: goldNearestOnly, everyDrugInSentence: goldAll },
    endToEnd: { shipped: e2eNearest, nearestDrugOnly: e2eNearestOnly, everyDrugInSentence: e2eAll, reachableGoldRelations: reachable },
    modelSpansStrict: spans,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'relations.json'), JSON.stringify(out, null, 2) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
