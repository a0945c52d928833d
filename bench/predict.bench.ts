/**
 * `npm run bench:predict`: how fast the engine predicts, and how much of that is ours rather than
 * onnxruntime's. Not a test: it reports against the goals of issue 3 and asserts nothing.
 *
 *   node out/bench/predict.bench.js [--model DIR] [--notes DIR]
 *
 * Notes of about 1k, 5k, 20k and 100k characters are built by joining the shared MTSamples notes
 * (../shared/data/notes/mtsamples, else demo/notes). For each: the median end-to-end `predict` time, the
 * median time of the bare `session.run` calls on the very same prepared windows, and their ratio (our
 * overhead: tokenizing, windows, tensors, decoding). Then notes/second over all the notes, the model load
 * time, and the peak RSS. A table on stdout, JSON in bench/results/predict.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultModelDir, packageRoot } from '../src/core/model/defaultModel';
import { ModelRunner } from '../src/core/model/runner';

const ROOT = packageRoot(__dirname);
const GOALS = { e2e5kMs: 30, overheadRatio: 1.25, loadMs: 300 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function loadNotes(dir?: string): { dir: string; notes: string[] } {
  const candidates = dir ? [dir] : [path.resolve(ROOT, '..', 'shared', 'data', 'notes', 'mtsamples'), path.join(ROOT, 'demo', 'notes')];
  for (const d of candidates) {
    if (!existsSync(d)) continue;
    const files = readdirSync(d, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.txt'))
      .sort();
    if (files.length) return { dir: d, notes: files.map((f) => readFileSync(path.join(d, f), 'utf8')) };
  }
  throw new Error(`no notes found in ${candidates.join(' or ')}`);
}

/** About `size` characters of real notes, joined by blank lines and cut at a line end. */
function noteOfSize(notes: string[], size: number): string {
  let text = '';
  for (let i = 0; text.length < size; i++) text += (text ? '\n\n' : '') + notes[i % notes.length];
  const cut = text.lastIndexOf('\n', size);
  return cut > size * 0.9 ? text.slice(0, cut) : text.slice(0, size);
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, notes: { type: 'string' } } });
  const modelDir = values.model ?? defaultModelDir(__dirname);
  const { dir: notesDir, notes } = loadNotes(values.notes);

  const loads = await timeIt(5, async () => (await ModelRunner.load(modelDir)).dispose());
  const runner = await ModelRunner.load(modelDir);

  const sizes = [
    { name: '1k', chars: 1_000, runs: 40 },
    { name: '5k', chars: 5_000, runs: 30 },
    { name: '20k', chars: 20_000, runs: 10 },
    { name: '100k', chars: 100_000, runs: 5 },
  ];
  const perSize = [];
  for (const s of sizes) {
    const text = noteOfSize(notes, s.chars);
    const batches = runner.prepareBatchesFor([text]);
    const windows = batches.reduce((n, b) => n + b.refs.length, 0);
    await runner.predict(text); // warm-up
    const e2e = await timeIt(s.runs, () => runner.predict(text));
    const pure = await timeIt(s.runs, async () => {
      for (const b of batches) await runner.sessionRun(b);
    });
    const spans = (await runner.predict(text)).length;
    perSize.push({ size: s.name, chars: text.length, windows, spans, e2eMs: median(e2e), sessionRunMs: median(pure), ratio: median(e2e) / median(pure) });
  }

  const tAll = performance.now();
  let totalSpans = 0;
  for (let i = 0; i < notes.length; i += 8) totalSpans += (await runner.predictBatch(notes.slice(i, i + 8))).reduce((n, s) => n + s.length, 0);
  const allMs = performance.now() - tAll;
  await runner.dispose();

  const result = {
    model: { dir: path.relative(ROOT, modelDir) || modelDir, name: runner.name, version: runner.version },
    notes: { dir: notesDir, count: notes.length, chars: notes.reduce((n, t) => n + t.length, 0) },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    loadMs: median(loads),
    sizes: perSize,
    allNotes: { ms: allMs, notesPerSecond: notes.length / (allMs / 1000), spans: totalSpans },
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    goals: GOALS,
    date: new Date().toISOString(),
  };

  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `model ${result.model.name}@${result.model.version} (${result.model.dir}); notes: ${notes.length} from ${notesDir}`,
    '',
    `size    chars  windows  spans   e2e ms  session.run ms  ratio`,
    ...perSize.map(
      (r) =>
        `${r.size.padEnd(5)} ${String(r.chars).padStart(7)} ${String(r.windows).padStart(8)} ${String(r.spans).padStart(6)} ${f(r.e2eMs).padStart(8)} ${f(r.sessionRunMs).padStart(15)} ${f(r.ratio, 2).padStart(6)}`,
    ),
    '',
    `all notes: ${f(result.allNotes.notesPerSecond)} notes/s (${notes.length} notes in ${f(allMs / 1000, 2)} s)`,
    `model load: ${f(result.loadMs)} ms (median of 5)`,
    `peak RSS: ${f(result.peakRssMb)} MB`,
    '',
    `goals: 5k e2e ≤ ${GOALS.e2e5kMs} ms → ${f(perSize[1].e2eMs)} ms; overhead ratio ≤ ${GOALS.overheadRatio} → ${perSize.map((r) => f(r.ratio, 2)).join(' / ')}; load ≤ ${GOALS.loadMs} ms → ${f(result.loadMs)} ms`,
  ];
  console.log(lines.join('\n'));
  const outDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'predict.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(ROOT, path.join(outDir, 'predict.json'))}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
