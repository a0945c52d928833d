import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../model/fixtures';

/**
 * training/mlm_pretrain.py (issue 14: the encoder's optional masked-language-model step), run for real on a
 * tiny shared-data folder in the encoder venv: it must never read a notes dev file, and what it writes must
 * load as train_encoder.py's --base.
 */

const PYTHON = process.env.SIDELIGHT_ENCODER_PYTHON || path.join(ROOT, '.cache', 'encoder-venv', 'bin', 'python');
const SCRIPT = path.join(ROOT, 'training', 'mlm_pretrain.py');
let tmp = '';

const sentence = (i: number) =>
  `Patient ${i} developed severe rash and pruritus two weeks after starting amoxicillin for otitis media, which resolved on stopping it.`;

before(async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing: run scripts/setup-encoder.sh (or set SIDELIGHT_ENCODER_PYTHON)`);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-mlm-test-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

test('mlm_pretrain.py: reads ADE train and both notes folders but no notes dev file, and writes a folder that loads as a token classifier', { timeout: 300_000 }, async () => {
  const data = path.join(tmp, 'data');
  await fs.mkdir(path.join(data, 'ade'), { recursive: true });
  await fs.mkdir(path.join(data, 'notes', 'mtsamples'), { recursive: true });
  await fs.mkdir(path.join(data, 'notes', 'mtsamples-more'), { recursive: true });
  await fs.writeFile(path.join(data, 'ade', 'train.jsonl'), [1, 2, 3].map((i) => JSON.stringify({ id: `s${i}`, text: sentence(i), spans: [] })).join('\n') + '\n');
  await fs.writeFile(path.join(data, 'notes', 'mtsamples', 'a-train-note-1.txt'), `HISTORY:\n${sentence(4)}\n`);
  await fs.writeFile(path.join(data, 'notes', 'mtsamples-more', 'another-note-2.txt'), `ASSESSMENT:\n${sentence(5)}\n`);
  // A file named as one of the notes dev set's: its text must not be read.
  const devRow = JSON.parse((await fs.readFile(path.join(ROOT, 'data', 'notes-labelled', 'dev.jsonl'), 'utf8')).split('\n')[0]) as { file: string };
  await fs.writeFile(path.join(data, 'notes', 'mtsamples-more', path.basename(devRow.file)), `PLAN:\n${sentence(6)}\n`);

  const out = path.join(tmp, 'mlm');
  const r = spawnSync(PYTHON, [SCRIPT, '--data', data, '--out', out, '--epochs', '2', '--batch', '2'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  // 3 sentences + 2 notes; the dev-named file is left out. 5 blocks in full batches of 2, 2 epochs: 4 steps.
  assert.match(r.stdout, /\b5 texts \(notes dev files excluded: \d+\) -> 5 blocks/);
  const loss = /step 4\/4 mlm loss ([\d.]+)/.exec(r.stdout);
  assert.ok(loss && Number.isFinite(Number(loss[1])), r.stdout);
  for (const f of ['config.json', 'tokenizer.json', 'vocab.txt']) assert.ok(existsSync(path.join(out, f)), f);

  const load = spawnSync(PYTHON, ['-c', 'import sys; from transformers import AutoModelForTokenClassification as M; m = M.from_pretrained(sys.argv[1], num_labels=5); print(m.config.model_type, m.config.num_labels)', out], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1' },
  });
  assert.equal(load.status, 0, load.stderr);
  assert.equal(load.stdout.trim(), 'bert 5');

  // --notes-only: the two notes, still without the dev-named one.
  const notesOnly = spawnSync(PYTHON, [SCRIPT, '--data', data, '--out', path.join(tmp, 'mlm-notes'), '--notes-only', '--batch', '2'], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  assert.equal(notesOnly.status, 0, notesOnly.stderr);
  assert.match(notesOnly.stdout, /\b2 texts \(notes dev files excluded: \d+\) -> 2 blocks/);
});

test('mlm_pretrain.py: a folder without text long enough to mask says so and writes nothing', { timeout: 120_000 }, async () => {
  const data = path.join(tmp, 'empty-data');
  await fs.mkdir(path.join(data, 'ade'), { recursive: true });
  await fs.writeFile(path.join(data, 'ade', 'train.jsonl'), JSON.stringify({ id: 's1', text: 'Too short.', spans: [] }) + '\n');
  const out = path.join(tmp, 'never-written');
  const r = spawnSync(PYTHON, [SCRIPT, '--data', data, '--out', out], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`no text of 16 pieces or more under ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.equal(existsSync(out), false);
});
