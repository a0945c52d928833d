import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from '../../../src/core/errors';
import { sha256Hex } from '../../../src/core/fs/sha256';
import { ModelRunner } from '../../../src/core/model/runner';
import { ECHO_ARGMAX, ECHO_CRF } from './fixtures';

const tmpRoot = fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-bundle-'));
after(async () => fs.rm(await tmpRoot, { recursive: true, force: true }));

let n = 0;
async function copyBundle(src: string): Promise<string> {
  const dir = path.join(await tmpRoot, `b${n++}`);
  await fs.cp(src, dir, { recursive: true });
  return dir;
}

/** Re-signs the manifest after an edit, so that only the defect under test remains. */
async function resign(dir: string): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await fs.readFile(file, 'utf8')) as { files: Record<string, { sha256: string; size: number }> };
  for (const name of Object.keys(m.files)) {
    const data = await fs.readFile(path.join(dir, name));
    m.files[name] = { sha256: sha256Hex(data), size: data.length };
  }
  await fs.writeFile(file, JSON.stringify(m));
}

async function editJson(file: string, edit: (j: Record<string, unknown>) => void): Promise<void> {
  const j = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  edit(j);
  await fs.writeFile(file, JSON.stringify(j));
}

/** Asserts `load(dir)` fails with an InputError about `file` whose message matches `problem`. */
async function refuses(dir: string, file: string, problem: RegExp, options = {}): Promise<void> {
  await assert.rejects(ModelRunner.load(dir, options), (e: unknown) => {
    assert.ok(e instanceof InputError, `an InputError, got ${String(e)}`);
    assert.equal(e.file, path.join(dir, file));
    assert.match(e.message, problem);
    assert.ok(e.message.startsWith(path.join(dir, file)), 'the message names the file first');
    return true;
  });
}

test('a bundle that matches its manifest loads as verified, with name, version and labels', async () => {
  const r = await ModelRunner.load(ECHO_ARGMAX);
  try {
    assert.equal(r.verified, true);
    assert.equal(r.name, 'argmax');
    assert.equal(r.version, '1.0.0');
    assert.deepEqual(r.labels, ['ADE', 'DRUG']);
  } finally {
    await r.dispose();
  }
});

test('a tampered model.onnx (same size) is refused before loading, naming model.onnx', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  const file = path.join(dir, 'model.onnx');
  const data = await fs.readFile(file);
  data[data.length - 3] ^= 0xff;
  await fs.writeFile(file, data);
  await refuses(dir, 'model.onnx', /does not match manifest\.json: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
});

test('a truncated tokenizer.json is refused on its size', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  const file = path.join(dir, 'tokenizer.json');
  await fs.writeFile(file, (await fs.readFile(file)).subarray(0, 100));
  await refuses(dir, 'tokenizer.json', /size 100 bytes, expected \d+/);
});

test('a missing model.onnx is refused, naming it', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await fs.rm(path.join(dir, 'model.onnx'));
  await refuses(dir, 'model.onnx', /not found/);
});

test('a corrupt model.onnx in an unverified folder is refused by onnxruntime, naming it', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await fs.rm(path.join(dir, 'manifest.json'));
  await fs.writeFile(path.join(dir, 'model.onnx'), 'not a model');
  await refuses(dir, 'model.onnx', /is not a model onnxruntime can load/);
});

test('config.json without id2label is refused', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await editJson(path.join(dir, 'config.json'), (j) => delete j.id2label);
  await resign(dir);
  await refuses(dir, 'config.json', /has no "id2label"/);
});

test('a label count that differs from the logits is refused after the session is created', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await editJson(path.join(dir, 'config.json'), (j) => (j.id2label = { 0: 'O', 1: 'B-ADE', 2: 'I-ADE' }));
  await resign(dir);
  await refuses(dir, 'config.json', /"id2label" has 3 tags but model\.onnx's output "logits" has shape \[1, 1, 5\]/);
});

test('an unsupported tokenizer type (BPE) is refused, naming tokenizer.json', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await editJson(path.join(dir, 'tokenizer.json'), (j) => (j.model = { type: 'BPE', vocab: { a: 0 }, merges: [] }));
  await resign(dir);
  await refuses(dir, 'tokenizer.json', /unsupported tokenizer model type "BPE"/);
});

test('a model input that config.json does not declare is refused', async () => {
  const dir = await copyBundle(ECHO_CRF);
  await editJson(path.join(dir, 'config.json'), (j) => delete j.inputs);
  await resign(dir);
  await refuses(dir, 'model.onnx', /needs the input "char_ids", which .*config\.json does not declare under "inputs"/);
});

test('without manifest.json a bundle loads unverified', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  await fs.rm(path.join(dir, 'manifest.json'));
  const r = await ModelRunner.load(dir);
  try {
    assert.equal(r.verified, false);
    assert.equal(r.version, 'unverified');
    assert.equal((await r.predict('rash')).length, 1);
  } finally {
    await r.dispose();
  }
});

test('a model pinned by model.lock must have the pinned manifest', async () => {
  const dir = await copyBundle(ECHO_ARGMAX);
  const good = sha256Hex(await fs.readFile(path.join(dir, 'manifest.json')));
  await refuses(dir, 'manifest.json', /differs from the 0{64} pinned in \.sidelight\/model\.lock/, { expectedManifestSha256: '0'.repeat(64) });
  const r = await ModelRunner.load(dir, { expectedManifestSha256: good });
  await r.dispose();
  await fs.rm(path.join(dir, 'manifest.json'));
  await refuses(dir, 'manifest.json', /not found, but \.sidelight\/model\.lock pins this model/, { expectedManifestSha256: good });
});
