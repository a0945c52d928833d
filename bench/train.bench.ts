/**
 * `npm run bench:train`: how long "Train model from labels" takes on a workspace of labelled notes, and how
 * much of it is ours rather than the trainer's. Not a test: it asserts nothing.
 *
 *   node out/bench/train.bench.js [--notes N] [--epochs E] [--runs R] [--python PATH]
 *
 * A workspace of N notes of the shipped labelled set (data/notes-labelled, marked done) is trained R times
 * with the shipped CLI (`sidelight train`: collect, split, train, verify, judge both models on the held-out
 * notes, write the bundle), and R times the trainer alone on the same train split (`training/train.py`
 * with the same arguments): the lower bound. Medians and their ratio on stdout, JSON in
 * bench/results/train.json. These machines are shared: read the medians, not single runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AnnotationStore } from '../src/core/annotations/annotationStore';
import { packageRoot } from '../src/core/model/defaultModel';
import { collectDoneNotes, splitByPath } from '../src/core/training/trainingSet';
import { writeLabelledNotes } from '../test/fixtures/labelledNotes';

const ROOT = packageRoot(__dirname);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timed(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return (performance.now() - t) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { notes: { type: 'string' }, epochs: { type: 'string' }, runs: { type: 'string' }, python: { type: 'string' } } });
  const n = Number(values.notes ?? 20);
  const epochs = values.epochs ?? '3';
  const runs = Number(values.runs ?? 3);
  const python = values.python ?? process.env.SIDELIGHT_PYTHON ?? '/usr/bin/python3';
  const work = mkdtempSync(path.join(os.tmpdir(), 'sidelight-bench-train-'));
  try {
    const ws = path.join(work, 'ws');
    await writeLabelledNotes(ws, n);
    const { train } = splitByPath((await collectDoneNotes(new AnnotationStore(ws, { author: 'bench' }), ws)).notes);
    const trainFile = path.join(work, 'train.jsonl');
    writeFileSync(trainFile, train.map((r) => JSON.stringify({ id: r.file, file: r.file, text: r.text, spans: r.spans })).join('\n') + '\n');
    const cli: number[] = [];
    const trainer: number[] = [];
    for (let i = 0; i < runs; i++) {
      cli.push(timed(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', '--workspace', ws, '--epochs', epochs, '--python', python, '--out', path.join(work, `cli-${i}`)]));
      trainer.push(timed(python, [path.join(ROOT, 'training', 'train.py'), '--workspace-train', trainFile, '--out', path.join(work, `py-${i}`), '--no-emissions', '--epochs', epochs, '--time-budget', '20', '--w2v-epochs', '2']));
    }
    const result = {
      notes: n,
      trainNotes: train.length,
      epochs: Number(epochs),
      runs,
      cliMedianS: median(cli),
      trainerMedianS: median(trainer),
      ratio: median(cli) / median(trainer),
      cliS: cli,
      trainerS: trainer,
      loadAverage: os.loadavg()[0],
    };
    console.log(`sidelight train, ${n} done notes (${train.length} trained on), ${epochs} epoch(s), ${runs} runs each`);
    console.log(`  sidelight train (CLI, end to end)   median ${result.cliMedianS.toFixed(1)} s`);
    console.log(`  training/train.py alone (lower bound) median ${result.trainerMedianS.toFixed(1)} s`);
    console.log(`  ratio ${result.ratio.toFixed(2)}x (load average ${result.loadAverage.toFixed(1)})`);
    writeFileSync(path.join(ROOT, 'bench', 'results', 'train.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
