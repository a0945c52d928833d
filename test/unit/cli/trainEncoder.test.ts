import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundle } from '../../../src/core/model/bundle';
import { defaultModelDir } from '../../../src/core/model/defaultModel';
import { pinLocalModel } from '../../../src/core/sync/modelArtifacts';
import { MODELS_DIR } from '../../../src/core/workspaceLayout';
import { writeLabelledNotes } from '../../fixtures/labelledNotes';
import { ROOT } from '../model/fixtures';

/**
 * `sidelight train --recipe encoder`: real fine-tuning of all-MiniLM-L6-v2 (training/train_encoder.py)
 * through the built CLI, in the Python that scripts/setup-encoder.sh makes (.cache/encoder-venv, or
 * $SIDELIGHT_ENCODER_PYTHON), on a few labelled notes; its bundle is loaded by the runtime's onnxruntime.
 * Also the failure paths every recipe shares: a Python without the recipe's packages, and a full disk
 * where the bundle goes.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');
const ENCODER_PYTHON = process.env.SIDELIGHT_ENCODER_PYTHON || path.join(ROOT, '.cache', 'encoder-venv', 'bin', 'python');
let tmp = '';
/** The CLI's TMPDIR: its scratch folders must be gone after every run. */
let scratch = '';
/** What a run left in its TMPDIR (other programs' files there are not the run's). */
const leftInScratch = async () => (await fs.readdir(scratch)).filter((f) => f.startsWith('sidelight-'));

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  assert.ok(existsSync(ENCODER_PYTHON), `${ENCODER_PYTHON} is missing: run scripts/setup-encoder.sh (or set SIDELIGHT_ENCODER_PYTHON)`);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-train-encoder-test-'));
  scratch = path.join(tmp, 'scratch');
  await fs.mkdir(scratch);
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

function cli(args: string[], command: string[] = [process.execPath, CLI]) {
  const r = spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', TMPDIR: scratch } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function workspace(name: string, n: number): Promise<string> {
  const ws = path.join(tmp, name);
  await writeLabelledNotes(ws, n);
  return ws;
}

interface Row {
  text: string;
  spans: { label: string; start: number; end: number; text?: string }[];
}

test('sidelight train --recipe encoder: a fine-tuned encoder bundle, verified, compared, and loaded by `sidelight predict`', { timeout: 600_000 }, async () => {
  const ws = await workspace('encoder-run', 8);
  const out = path.join(tmp, 'encoder-bundle');
  const r = cli(['train', '--workspace', ws, '--recipe', 'encoder', '--python', ENCODER_PYTHON, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /training encoder: .*train_encoder\.py --workspace-train /);
  assert.match(r.stderr, /epoch 1\/10 step \d+\/\d+ loss/, 'progress lines in the shape the editor shows');
  assert.match(r.stderr, /epoch 10\/10 step (\d+)\/\1 loss/, 'the default of ten epochs, all run');
  assert.doesNotMatch(r.stderr, /newly initialized|FutureWarning/, 'transformers\' notes to developers stay out of the log');
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; version: string; train: number; heldOut: number; comparison: { label: string; mode: string; new: { f1: number } }[] };
  assert.equal(result.name, 'sidelight-ade-encoder');
  assert.equal(result.train + result.heldOut, 8);
  assert.deepEqual(result.comparison.map((c) => `${c.label}/${c.mode}`), ['ADE/strict', 'ADE/lenient', 'DRUG/strict', 'DRUG/lenient']);
  assert.match(r.stdout, /old F1 \[95% CI\]\s+new F1 \[95% CI\]/);

  const bundle = await loadBundle(out);
  assert.equal(bundle.verified, true);
  const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { version: string; base: { name: string }; training: { recipe: string; notes: unknown[]; data: string[] }; evaluation: { labels: unknown[] } };
  assert.equal(manifest.training.recipe, 'encoder');
  assert.equal(manifest.base.name, 'sentence-transformers/all-MiniLM-L6-v2');
  assert.match(manifest.version, /^\d{4}\.\d\d\.\d\d-\d{6}$/, 'versions to the second: two runs in a minute do not collide');
  assert.equal(manifest.training.notes.length, result.train);
  assert.match(manifest.training.data.join(' '), /the workspace's done notes \(\d+;/);
  assert.equal(manifest.evaluation.labels.length, 4);
  const config = JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')) as { model_type: string; aggregation: string; id2label: Record<string, string> };
  assert.equal(config.model_type, 'bert');
  assert.equal(config.aggregation, 'first');
  assert.equal(Object.keys(config.id2label).length, 5);
  assert.equal(existsSync(`${out}-int8`), false, 'no int8 copy from `sidelight train`');
  assert.deepEqual(await leftInScratch(), [], 'the scratch folder is gone');
  assert.equal(existsSync(path.join(ws, '.sidelight', 'model.lock')), false, 'the workspace pin is not changed');

  // The runtime loads it: the model's own spans (no context post-step) on a note it trained on include
  // drugs the annotator labelled there.
  const trained = (JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8')) as { training: { notes: { file: string }[] } }).training.notes[0].file;
  const p = cli(['predict', '--model', out, '--no-context-filter', '--threads', '1', path.join(ws, trained)]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, new RegExp(`model sidelight-ade-encoder@${result.version}`));
  const row = JSON.parse(p.stdout.trim()) as Row;
  const text = await fs.readFile(path.join(ws, trained), 'utf8');
  assert.equal(row.text, text);
  // The note's labels as writeLabelledNotes took them from the shipped set (notes/<id>.txt).
  const shipped = (await fs.readFile(path.join(ROOT, 'data', 'notes-labelled', 'train.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Row & { id: string });
  const gold = shipped.find((n) => `notes/${n.id}.txt` === trained)!;
  const labelled = new Set(gold.spans.filter((s) => s.label === 'DRUG').map((s) => text.slice(s.start, s.end)));
  assert.ok(labelled.size > 0);
  const found = row.spans.filter((s) => s.label === 'DRUG' && labelled.has(text.slice(s.start, s.end)));
  assert.ok(found.length > 0, `no labelled drug found; the model tagged ${JSON.stringify(row.spans.map((s) => text.slice(s.start, s.end)))}`);
});

test('sidelight train --recipe encoder: a Python without transformers names requirements-encoder.txt; nothing is written', async () => {
  const ws = await workspace('no-transformers', 6);
  // Debian's python3 with its torch but none of the encoder's packages: a venv over it, as a user might have.
  const venv = path.join(tmp, 'torch-only-venv');
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
  const r = cli(['train', '--workspace', ws, '--recipe', 'encoder', '--python', path.join(venv, 'bin', 'python')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /lacks (.*, )?transformers(, .*)?: install with .*torch-only-venv\/bin\/python -m pip install -r \S*training\/requirements-encoder\.txt/);
  assert.doesNotMatch(r.stderr, /requirements-bilstm-crf/);
  assert.equal(existsSync(path.join(ws, '.sidelight', 'models')), false);
  assert.deepEqual(await leftInScratch(), []);
});

test('sidelight train: --base is for the encoder only, and an unknown recipe lists the known ones', () => {
  const r = cli(['train', '--workspace', tmp, '--base', 'some/model']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--base is for --recipe encoder only/);
  const u = cli(['train', '--workspace', tmp, '--recipe', 'gpt']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /--recipe must be one of bilstm-crf, encoder/);
});

test('sidelight train: a full disk where the bundle goes leaves no partial bundle, and the pinned model and its pin untouched', { timeout: 300_000 }, async () => {
  const ws = await workspace('full-disk', 6);
  // The workspace pins a model of its own: the current one, which a failed run must leave as it was.
  const pinned = path.join(ws, MODELS_DIR, 'sidelight-ade', 'pinned');
  await fs.cp(defaultModelDir(), pinned, { recursive: true });
  await pinLocalModel(ws, 'sidelight-ade', 'pinned');
  const lockFile = path.join(ws, '.sidelight', 'model.lock');
  const lockBefore = await fs.readFile(lockFile, 'utf8');
  // A 4 MiB tmpfs where the ~90 MB bundle goes: a real ENOSPC. It is mounted in a private user and mount
  // namespace (no privileges needed, nothing outside sees it), so what is left on it is listed in there.
  const disk = path.join(tmp, 'small-disk');
  await fs.mkdir(disk);
  const script = `mount -t tmpfs -o size=4m tmpfs "$1" || exit 99; shift; "$@"; code=$?; echo "left on the disk: [$(ls -A "$DISK")]"; exit $code`;
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', disk, process.execPath, CLI, 'train', '--workspace', ws, '--recipe', 'encoder', '--epochs', '1', '--python', ENCODER_PYTHON, '--out', path.join(disk, 'bundle')], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', TMPDIR: scratch, DISK: disk },
  });
  assert.notEqual(r.status, 99, `could not mount a tmpfs in a user namespace: ${r.stderr}`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /small-disk\/bundle: cannot write the bundle here: no space left on the device \(ENOSPC\); nothing was left there and the current model is unchanged/);
  assert.match(r.stdout, /left on the disk: \[\]/, 'no half-written bundle or partial folder');
  assert.equal(await fs.readFile(lockFile, 'utf8'), lockBefore, 'the pin is untouched');
  assert.equal((await loadBundle(pinned)).verified, true, 'the pinned model is whole');
  assert.deepEqual(await fs.readdir(path.join(ws, MODELS_DIR)), ['sidelight-ade']);
  assert.deepEqual(await fs.readdir(path.join(ws, MODELS_DIR, 'sidelight-ade')), ['pinned']);
  assert.deepEqual(await leftInScratch(), [], 'the scratch folder is gone');
});
