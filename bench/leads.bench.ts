/**
 * How well *Find notes likely to hold side effects* points a labeller at them (src/core/model/sideEffectLeads.ts),
 * on the hand-labelled notes (data/notes-labelled, dev split by default: the model never trained on it).
 *
 * 1. Ranking notes: average precision and hits in the first 10 / 20 / 30 for "the note holds an ADE", of the
 *    leads score against what a labeller had before: the model alone (sum of its ADE scores), a cue-word grep
 *    alone (the cue sentences), and the lower bound of any order, random (AP = the share of notes with an ADE).
 * 2. Reading a note: how many gold ADEs lie in a lead (a predicted ADE overlapping it, or a cue sentence
 *    holding its start), and how many sentences a reader of the cue sentences reads for them, against reading
 *    every sentence.
 *
 * Run: npm run bench:leads [-- --data FILE.jsonl] [-- --model DIR]. Writes bench/results/leads.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelDir, packageRoot } from '../src/core/model/defaultModel';
import { sentenceRanges } from '../src/core/model/relationBaseline';
import { ModelRunner } from '../src/core/model/runner';
import { noteLeads, NoteLeads } from '../src/core/model/sideEffectLeads';
import { InterchangeRow } from '../src/core/span';

const ROOT = packageRoot(__dirname);

interface Ranking {
  averagePrecision: number;
  hitsAt10: number;
  hitsAt20: number;
  hitsAt30: number;
}

/** Notes in score order (ties by row order) against which of them hold an ADE. */
function ranking(scores: number[], positive: boolean[]): Ranking {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let hits = 0;
  let sum = 0;
  order.forEach((i, k) => {
    if (!positive[i]) return;
    hits++;
    sum += hits / (k + 1);
  });
  const at = (n: number) => order.slice(0, n).filter((i) => positive[i]).length;
  return { averagePrecision: sum / Math.max(1, hits), hitsAt10: at(10), hitsAt20: at(20), hitsAt30: at(30) };
}

const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string' } } });
  const data = values.data ?? path.join(ROOT, 'data', 'notes-labelled', 'dev.jsonl');
  const rows = readFileSync(data, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as InterchangeRow);
  const modelDir = values.model ?? defaultModelDir(__dirname);
  const runner = await ModelRunner.load(modelDir);
  try {
    const predicted = await runner.predictBatch(rows.map((r) => r.text));
    const leads: NoteLeads[] = rows.map((r, i) => noteLeads(r.text, predicted[i]));
    const positive = rows.map((r) => r.spans.some((s) => s.label === 'ADE'));
    const withAde = positive.filter(Boolean).length;
    const rank = {
      leads: ranking(leads.map((l) => l.score), positive),
      modelAlone: ranking(predicted.map((p) => p.filter((s) => s.label === 'ADE').reduce((n, s) => n + (s.score ?? 1), 0)), positive),
      cueSentencesAlone: ranking(leads.map((l) => l.cueSentences), positive),
      randomOrder: { averagePrecision: withAde / rows.length },
    };

    let gold = 0;
    let inPredicted = 0;
    let inCue = 0;
    let sentences = 0;
    rows.forEach((r, i) => {
      sentences += sentenceRanges(r.text).filter(([a, b]) => r.text.slice(a, b).trim()).length;
      for (const g of r.spans.filter((s) => s.label === 'ADE')) {
        gold++;
        const lead = leads[i].leads.find((l) => (l.kind === 'predicted' ? l.start < g.end && g.start < l.end : g.start >= l.start && g.start < l.end));
        if (lead?.kind === 'predicted') inPredicted++;
        else if (lead?.kind === 'cue') inCue++;
      }
    });
    const cueSentences = leads.reduce((n, l) => n + l.cueSentences, 0);
    const reading = { goldAdes: gold, inPredictedLeads: inPredicted, inCueSentences: inCue, cueSentences, allSentences: sentences };

    const model = { dir: path.relative(ROOT, modelDir), name: runner.name, version: runner.version };
    console.log(`${path.relative(ROOT, data)}: ${rows.length} notes, ${withAde} with an ADE; model ${model.name}@${model.version}`);
    console.log('ranking notes by                 AP     hits@10  @20  @30');
    const row = (name: string, r: Ranking) => console.log(`${name.padEnd(32)} ${f3(r.averagePrecision)}  ${String(r.hitsAt10).padStart(7)} ${String(r.hitsAt20).padStart(4)} ${String(r.hitsAt30).padStart(4)}`);
    row('leads (model + cue sentences)', rank.leads);
    row('model alone', rank.modelAlone);
    row('cue sentences alone (a grep)', rank.cueSentencesAlone);
    console.log(`${'random order (lower bound)'.padEnd(32)} ${f3(rank.randomOrder.averagePrecision)}`);
    console.log(
      `reading: of ${gold} gold ADEs, ${inPredicted} are predicted and ${inCue} more lie in the ${cueSentences} cue sentences ` +
        `(${f3(inCue / Math.max(1, cueSentences))} per sentence read), against ${sentences} sentences in all (${f3(gold / sentences)} per sentence)`,
    );
    const dir = path.join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'leads.json'), JSON.stringify({ data: path.relative(ROOT, data), notes: rows.length, notesWithAde: withAde, model, ranking: rank, reading }, null, 2) + '\n');
  } finally {
    await runner.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
