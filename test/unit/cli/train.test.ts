import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { loadBundle } from '../../../src/core/model/bundle';
import { compareModels } from '../../../src/core/training/compareModels';
import { checkTrainable, collectDoneNotes, MIN_DONE_NOTES, splitByPath, splitKey, TrainingNote } from '../../../src/core/training/trainingSet';
import { writeLabelledNotes } from '../../fixtures/labelledNotes';
import { ROOT } from '../model/fixtures';

/**
 * `sidelight train`: the split and the comparison (pure), and real training runs of the BiLSTM-CRF recipe
 * through the built CLI, in the Python that has torch (/usr/bin/python3 with Debian's python3-torch, which
 * scripts/setup.sh installs), on a few labelled notes shipped in the repository.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');
const PYTHON = process.env.SIDELIGHT_PYTHON || '/usr/bin/python3';
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-train-test-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

const note = (file: string, spans: [string, number][] = []): TrainingNote => ({ file, text: 'x', sha256: 's', spans: spans.map(([label, start]) => ({ label, start, end: start + 1, text: 'x' })) });

test('the split is by path only: the same notes are held out whatever else is in the workspace', () => {
  const notes = Array.from({ length: 40 }, (_, i) => note(`notes/n${i}.txt`));
  const a = splitByPath(notes);
  const b = splitByPath([...notes].reverse().concat(note('notes/new-one.txt')));
  const held = (s: typeof a) => s.heldOut.map((n) => n.file).filter((f) => f !== 'notes/new-one.txt').sort();
  assert.deepEqual(held(a), held(b));
  assert.equal(a.train.length + a.heldOut.length, 40);
  assert.ok(a.heldOut.every((n) => splitKey(n.file) < 0.2));
  assert.ok(a.heldOut.length > 0 && a.train.length > a.heldOut.length);
  // Two notes whose keys are both ≥ 0.2 still hold one out.
  const few = [note('a'), note('b')].filter((n) => splitKey(n.file) >= 0.2);
  if (few.length === 2) assert.equal(splitByPath(few).heldOut.length, 1);
});

test('too few done notes, or a label with too few examples, is refused saying what is missing', () => {
  const three = [note('a', [['ADE', 0]]), note('b'), note('c')];
  assert.throws(
    () => checkTrainable({ notes: three, leftOut: { discontinuous: 0, orphans: 0, suggestions: 0, otherLabels: 0 }, notDone: 0 }, splitByPath(three), ['ADE', 'DRUG'], '/ws'),
    new RegExp(`3 notes marked done; training needs at least ${MIN_DONE_NOTES} \\(${MIN_DONE_NOTES - 3} more\\)`),
  );
  const many = Array.from({ length: 10 }, (_, i) => note(`n${i}`, [['ADE', 0], ['DRUG', 1]]));
  many[0].spans = many[0].spans.filter((s) => s.label !== 'DRUG');
  const split = { train: many.slice(0, 8), heldOut: many.slice(8) };
  split.train.forEach((n, i) => i > 1 && (n.spans = n.spans.filter((s) => s.label !== 'DRUG')));
  assert.throws(() => checkTrainable({ notes: many, leftOut: { discontinuous: 0, orphans: 0, suggestions: 0, otherLabels: 0 }, notDone: 0 }, split, ['ADE', 'DRUG'], '/ws'), /DRUG has 1 \(at least 5 each/);
});

test('the comparison: F1 of each model on the held-out notes, paired bootstrap intervals that contain it', () => {
  const gold = [[{ label: 'ADE', start: 0, end: 4 }], [{ label: 'ADE', start: 10, end: 14 }], [{ label: 'ADE', start: 2, end: 6 }]];
  const old = [[{ label: 'ADE', start: 0, end: 4 }], [], [{ label: 'ADE', start: 3, end: 6 }]];
  const fresh = gold.map((g) => [...g]);
  const rows = compareModels(gold, old, fresh, ['ADE'], { samples: 200, seed: 7 });
  const strict = rows.find((r) => r.mode === 'strict')!;
  const lenient = rows.find((r) => r.mode === 'lenient')!;
  // old strict: 1 of 2 predicted right, 1 of 3 gold found → P 0.5, R 1/3, F1 0.4; lenient: 2/2, 2/3 → 0.8.
  assert.equal(strict.old.f1.toFixed(4), '0.4000');
  assert.equal(lenient.old.f1.toFixed(4), '0.8000');
  assert.equal(strict.new.f1, 1);
  assert.equal(strict.gold, 3);
  for (const r of rows) for (const m of [r.old, r.new]) assert.ok(m.low <= m.f1 + 1e-9 && m.f1 <= m.high + 1e-9 && m.low >= 0 && m.high <= 1);
  assert.ok(strict.newBetter > 0.5 && strict.newBetter <= 1);
  assert.equal(compareModels(gold, old, old, ['ADE'], { samples: 50 })[0].newBetter, 0, 'the same model is never better than itself');
});

/** A workspace with `n` notes of the shipped labelled set, labelled and marked done. */
async function workspace(name: string, n: number): Promise<string> {
  const ws = path.join(tmp, name);
  await writeLabelledNotes(ws, n);
  return ws;
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('collecting: only done notes, accepted spans, re-anchored in memory when the note changed', async () => {
  const ws = await workspace('collect', 3);
  const store = new AnnotationStore(ws, { author: 'ana' });
  const [first] = await store.listNotes();
  await store.setDone(first, false);
  await store.flush();
  const collected = await collectDoneNotes(new AnnotationStore(ws, { author: 'x' }), ws);
  assert.equal(collected.notes.length, 2);
  assert.equal(collected.notDone, 1);
  for (const n of collected.notes) for (const s of n.spans) assert.equal(n.text.slice(s.start, s.end), s.text);
  store.dispose();
});

test('sidelight train: a real run writes a verified bundle with the notes it saw and the comparison; the pin is untouched', { timeout: 240_000 }, async () => {
  const ws = await workspace('real-run', 8);
  const out = path.join(tmp, 'bundle-out');
  const r = cli(['train', '--workspace', ws, '--epochs', '1', '--python', PYTHON, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /epoch 1\/1/, 'progress on stderr');
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { train: number; heldOut: number; comparison: { label: string; mode: string }[]; bundleDir: string };
  assert.equal(result.train + result.heldOut, 8);
  assert.ok(result.heldOut >= 1);
  assert.deepEqual(result.comparison.map((c) => `${c.label}/${c.mode}`), ['ADE/strict', 'ADE/lenient', 'DRUG/strict', 'DRUG/lenient']);
  assert.match(r.stdout, /old F1 \[95% CI\]/);
  const bundle = await loadBundle(out);
  assert.equal(bundle.verified, true);
  const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { training: { notes: { file: string; sha256: string }[]; heldOut: { file: string }[] }; evaluation: { labels: unknown[] } };
  assert.equal(manifest.training.notes.length, result.train);
  assert.ok(manifest.training.notes.every((n) => /^[0-9a-f]{64}$/.test(n.sha256)));
  const trained = new Set(manifest.training.notes.map((n) => n.file));
  assert.ok(manifest.training.heldOut.every((n) => !trained.has(n.file)), 'no held-out note was trained on');
  assert.equal(manifest.evaluation.labels.length, 4);
  assert.equal(existsSync(path.join(ws, '.sidelight', 'model.lock')), false, 'the workspace pin is not changed');
  // Versions are immutable: the same --out again is refused, and the bundle stays as it was.
  const again = cli(['train', '--workspace', ws, '--epochs', '1', '--python', PYTHON, '--out', out]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already there/);
  assert.equal((await loadBundle(out)).verified, true);
});

test('sidelight train: a Python without the recipe\'s packages says what to install; nothing is written', async () => {
  const ws = await workspace('no-torch', 6);
  // The same interpreter without its site packages: no torch, no numpy.
  const bare = path.join(tmp, 'bare-python');
  await fs.writeFile(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
  const r = cli(['train', '--workspace', ws, '--python', bare]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /lacks torch, numpy, onnx: install with .* -m pip install -r .*requirements-bilstm-crf\.txt/);
  assert.equal(existsSync(path.join(ws, '.sidelight', 'models')), false);
});

test('sidelight train: too few done notes says how many more; a missing Python is named', async () => {
  const ws = await workspace('too-few', 2);
  const r = cli(['train', '--workspace', ws, '--python', PYTHON]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /2 notes marked done; training needs at least 5 \(3 more\)/);
  const none = cli(['train', '--workspace', ws, '--python', path.join(tmp, 'no-such-python')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no-such-python: cannot run this Python/);
});

test('sidelight train: Ctrl-C stops the trainer and leaves no bundle and no partial folder', { timeout: 120_000 }, async () => {
  const ws = await workspace('cancel', 8);
  const child = spawn(process.execPath, [CLI, 'train', '--workspace', ws, '--epochs', '50', '--python', PYTHON], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/training bilstm-crf/.test(stderr)) resolve();
  }));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await started;
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /cancelled: the current model is unchanged/);
  assert.equal(existsSync(path.join(ws, '.sidelight', 'models')), false);
});
