import { errorMessage } from '../core/errors';
import { readJsonl } from '../core/jsonl';
import { DocPair, evaluate, EvalResult, NONE } from '../core/metrics';
import { Prf, scoreRelations } from '../core/relationMetrics';
import { AssertionScores, scoreAssertions } from '../core/attributeMetrics';
import type { InterchangeRow, Span } from '../core/span';
import { CliIO, Command, numberOption, parseCommandArgs, UsageError } from './args';
import { describeModel, loadModel, MODEL_OPTIONS, MODEL_USAGE } from './modelOption';
import { ProgressBar } from './progress';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight eval --gold FILE.jsonl [--model DIR | --workspace DIR] [--threshold X] [--json]

Runs the model on every row of a gold interchange JSONL file and prints precision, recall and F1 per label:
strict (same label, start and end) and lenient (same label and overlapping; each gold and each predicted
span paired at most once, greedily by overlap), then the error types per label and the label confusion.
When the gold rows carry "relations" (the ADE corpus's {"label", "from", "to"} by span index), also the
caused_by suggestion's precision, recall and F1, given the gold spans and end to end from the model's.
When gold spans carry an "attributes": {"assertion": …}, also the assertion the context rules give each of
those spans: accuracy, and precision, recall and F1 per value.

  --gold FILE       gold rows: {"id"|"file", "text", "spans": [{"label", "start", "end", "attributes"?}]}
  --json            also print the metrics as JSON on the last line:
                    {"labels":{"ADE":{"strict":{"p","r","f1"},"lenient":{…}},…},"micro":…,"errors":…}
  --threshold X     drop predicted spans scoring below X (0–1, default 0)
${MODEL_USAGE}`;

const CHUNK = 16;

const pct = (x: number): string => (x * 100).toFixed(1).padStart(6);

/** The human-readable report. */
export function formatEvalTable(result: EvalResult): string {
  const lines: string[] = [];
  const names = Object.keys(result.labels);
  const w = Math.max(12, ...names.map((n) => n.length + 2));
  lines.push(`${''.padEnd(w)}${'strict'.padEnd(21)}   ${'lenient'.padEnd(21)}`);
  lines.push(`${'label'.padEnd(w)}${'P'.padStart(6)}%${'R'.padStart(6)}%${'F1'.padStart(6)}%   ${'P'.padStart(6)}%${'R'.padStart(6)}%${'F1'.padStart(6)}%  ${'gold'.padStart(6)} ${'pred'.padStart(6)}`);
  const row = (name: string, m: EvalResult['micro']): string =>
    `${name.padEnd(w)}${pct(m.strict.p)} ${pct(m.strict.r)} ${pct(m.strict.f1)}    ${pct(m.lenient.p)} ${pct(m.lenient.r)} ${pct(m.lenient.f1)}   ${String(m.strict.gold).padStart(6)} ${String(m.strict.predicted).padStart(6)}`;
  for (const n of names) lines.push(row(n, result.labels[n]));
  lines.push(row('all (micro)', result.micro));
  lines.push('');
  const cols = ['correct', 'wrongLabel', 'boundary', 'labelAndBoundary', 'missed', 'spurious'] as const;
  const heads = ['correct', 'wrong label', 'boundary', 'label+bound.', 'missed', 'spurious'];
  lines.push(`${'errors'.padEnd(w)}${heads.map((h) => h.padStart(13)).join('')}`);
  for (const n of Object.keys(result.errors)) lines.push(`${n.padEnd(w)}${cols.map((c) => String(result.errors[n][c]).padStart(13)).join('')}`);
  lines.push('');
  const predLabels = [...names, NONE];
  lines.push(`${'gold \\ pred'.padEnd(w)}${predLabels.map((p) => p.padStart(10)).join('')}`);
  for (const g of [...names, NONE]) {
    const r = result.confusion[g] ?? {};
    lines.push(`${g.padEnd(w)}${predLabels.map((p) => (g === NONE && p === NONE ? '—' : String(r[p] ?? 0)).padStart(10)).join('')}`);
  }
  return lines.join('\n');
}

export interface RelationResults {
  /** The `caused_by` suggestion (nearest DRUG of the sentence, plus coordinated drugs) on the gold spans. */
  givenGoldSpans: Prf;
  /** The same on the model's spans: a relation counts when both its spans are exactly gold spans. */
  endToEnd: Prf;
}

/** Relation scores when the gold rows carry relations (the ADE corpus does), else undefined. */
export function relationResults(rows: readonly InterchangeRow[], predicted: readonly (readonly Span[])[]): RelationResults | undefined {
  if (!rows.some((r) => r.relations?.length)) return undefined;
  const gold = rows.map((r) => ({ text: r.text, spans: r.spans, relations: r.relations ?? [] }));
  return { givenGoldSpans: scoreRelations(gold, (r) => r.spans), endToEnd: scoreRelations(gold, (_r, i) => predicted[i]) };
}

export function formatAssertionTable(a: AssertionScores): string {
  const row = (name: string, m: Prf) => `${name.padEnd(28)}${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)}   ${String(m.gold).padStart(6)} ${String(m.predicted).padStart(6)}`;
  return [
    `${`assertion (context rules)`.padEnd(28)}${'P'.padStart(6)}%${'R'.padStart(6)}%${'F1'.padStart(6)}%  ${'gold'.padStart(6)} ${'pred'.padStart(6)}`,
    ...Object.entries(a.values).map(([v, m]) => row(`  ${v}`, m)),
    `accuracy over the ${count(a.spans, 'gold span')} with an assertion: ${pct(a.accuracy).trim()}%`,
  ].join('\n');
}

export function formatRelationTable(r: RelationResults): string {
  const row = (name: string, m: Prf) => `${name.padEnd(28)}${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)}   ${String(m.gold).padStart(6)} ${String(m.predicted).padStart(6)}`;
  return [
    `${'relations (caused_by)'.padEnd(28)}${'P'.padStart(6)}%${'R'.padStart(6)}%${'F1'.padStart(6)}%  ${'gold'.padStart(6)} ${'pred'.padStart(6)}`,
    row('given the gold spans', r.givenGoldSpans),
    row('end to end (strict spans)', r.endToEnd),
  ].join('\n');
}

/**
 * The `--json` line: per label `{strict:{p,r,f1}, lenient:{p,r,f1}}` (rounded to 4 places), and
 * `relations` `{givenGoldSpans, endToEnd}` when the gold has relations, and `attributes.assertion`
 * `{spans, accuracy, values: {<value>: {p, r, f1, gold, predicted}}}` when gold spans carry an assertion.
 */
export function evalJson(result: EvalResult, model: { name: string; version: string }, relations?: RelationResults, assertions?: AssertionScores): string {
  const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
  const m = (x: EvalResult['micro']) => ({
    strict: { p: r4(x.strict.p), r: r4(x.strict.r), f1: r4(x.strict.f1) },
    lenient: { p: r4(x.lenient.p), r: r4(x.lenient.r), f1: r4(x.lenient.f1) },
  });
  const labels: Record<string, ReturnType<typeof m>> = {};
  for (const [k, v] of Object.entries(result.labels)) labels[k] = m(v);
  const rel = (x: Prf) => ({ p: r4(x.precision), r: r4(x.recall), f1: r4(x.f1), gold: x.gold, predicted: x.predicted });
  const rels = relations && { relations: { givenGoldSpans: rel(relations.givenGoldSpans), endToEnd: rel(relations.endToEnd) } };
  const attrs = assertions && {
    attributes: { assertion: { spans: assertions.spans, accuracy: r4(assertions.accuracy), values: Object.fromEntries(Object.entries(assertions.values).map(([v, x]) => [v, rel(x)])) } },
  };
  return JSON.stringify({ labels, micro: m(result.micro), errors: result.errors, model, ...rels, ...attrs });
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'strict and lenient precision/recall/F1 of the model against gold JSONL',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      ...MODEL_OPTIONS,
      gold: { type: 'string' },
      json: { type: 'boolean' },
      threshold: { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (!values.gold) throw new UsageError('--gold FILE.jsonl is required');
    const threshold = numberOption(values.threshold, 'threshold', 0, 1);

    let parsed;
    try {
      parsed = await readJsonl(values.gold, { requireSpans: true });
    } catch (e) {
      io.stderr.write(`sidelight eval: ${errorMessage(e)}\n`);
      return 1;
    }
    for (const e of parsed.errors) io.stderr.write(`sidelight eval: ${e.message}\n`);
    if (parsed.errors.length) io.stderr.write(`sidelight eval: ${count(parsed.errors.length, 'bad row')} left out of the metrics\n`);

    let runner;
    try {
      ({ runner } = await loadModel(values));
    } catch (e) {
      io.stderr.write(`sidelight eval: ${errorMessage(e)}\n`);
      return 1;
    }
    io.stderr.write(`sidelight eval: model ${describeModel(runner)}, ${parsed.rows.length} gold rows\n`);
    const rows = parsed.rows.map((r) => r.row);
    const bar = new ProgressBar(io.stderr, rows.length, 'rows');
    const docs: DocPair[] = [];
    const predicted: Span[][] = [];
    try {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const preds = await runner.predictBatch(
          chunk.map((r) => r.text),
          { threshold, signal: io.signal, contextFilter: !values['no-context-filter'] },
        );
        chunk.forEach((r, k) => docs.push({ gold: r.spans, predicted: preds[k] }));
        predicted.push(...preds);
        bar.update(i + chunk.length);
      }
    } catch (e) {
      if (io.signal.aborted) {
        io.stderr.write('sidelight eval: cancelled\n');
        return 130;
      }
      throw e;
    } finally {
      bar.finish();
      await runner.dispose();
    }
    const result = evaluate(docs, runner.labels);
    io.stdout.write(formatEvalTable(result) + '\n');
    const relations = relationResults(rows, predicted);
    if (relations) io.stdout.write(`\n${formatRelationTable(relations)}\n`);
    const assertions = scoreAssertions(rows);
    if (assertions) io.stdout.write(`\n${formatAssertionTable(assertions)}\n`);
    if (values.json) io.stdout.write(evalJson(result, { name: runner.name, version: runner.version }, relations, assertions) + '\n');
    return parsed.errors.length ? 1 : 0;
  },
};
