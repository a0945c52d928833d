import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { compareLabels, describeDisagreement } from '../../../src/core/model/labelAgreement';
import { modelCard, trainedRows } from '../../../src/core/panel/panelViewModel';
import { listTrainedModels } from '../../../src/core/training/trainedModels';

const row = (label: string, mode: 'strict' | 'lenient', old: number, now: number) => ({
  label,
  mode,
  gold: 12,
  old: { f1: old, low: old - 0.1, high: old + 0.1 },
  new: { f1: now, low: now - 0.1, high: now + 0.1 },
  newBetter: now > old ? 0.9 : 0.2,
});

async function writeManifest(ws: string, name: string, version: string, manifest: unknown): Promise<void> {
  const dir = path.join(ws, '.sidelight', 'models', name, version);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
}

test('the trained bundles of a workspace, newest first; pulled, malformed and misplaced ones left out', async () => {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-trained-'));
  try {
    const evaluation = { heldOutNotes: 3, comparedWith: 'default@1', labels: [row('ADE', 'strict', 0.4, 0.5), { label: 'bad' }] };
    await writeManifest(ws, 'mine', '1', { name: 'mine', version: '1', createdAt: '2026-01-01T00:00:00Z', training: { notes: [{}, {}] }, evaluation });
    await writeManifest(ws, 'mine', '2', { name: 'mine', version: '2', createdAt: '2026-02-01T00:00:00Z', training: { notes: [{}, {}, {}] }, evaluation });
    await writeManifest(ws, 'pulled', '1', { name: 'pulled', version: '1', files: {} });
    await writeManifest(ws, 'broken', '1', '{ not json');
    await writeManifest(ws, 'elsewhere', '1', { name: 'other', version: '9', evaluation });
    const models = await listTrainedModels(ws);
    assert.deepEqual(models.map((m) => `${m.name}@${m.version}:${m.trainNotes}`), ['mine@2:3', 'mine@1:2']);
    // A comparison row that is not one is dropped, not shown half.
    assert.deepEqual(models[0].rows.map((r) => r.label), ['ADE']);
    assert.equal(models[0].comparedWith, 'default@1');
    assert.deepEqual(await listTrainedModels(path.join(ws, 'missing')), []);
  } finally {
    await fs.rm(ws, { recursive: true, force: true });
  }
});

test('the model card shows the newest few trained models and marks the one in use', () => {
  const base = { dir: '/x', createdAt: '', trainNotes: 1, heldOutNotes: 1, comparedWith: 'a@1', rows: [row('ADE', 'lenient', 0.3, 0.6)] };
  const trained = ['5', '4', '3', '2'].map((version) => ({ ...base, name: 'mine', version }));
  const rows = trainedRows(trained, { kind: 'bundle', name: 'mine', version: '4', source: 'lock', workspace: { available: false, reason: '' } });
  assert.deepEqual(rows.map((r) => [r.version, r.inUse]), [['5', false], ['4', true], ['3', false]]);
  assert.equal(rows[0].rows[0].new.f1, 0.6);
  assert.deepEqual(trainedRows(trained, { kind: 'unavailable', reason: 'none' }).map((r) => r.inUse), [false, false, false]);
});

test('the model card says when the model\'s labels and the schema\'s differ, and nothing when they agree', () => {
  const bundle = { kind: 'bundle' as const, name: 'm', version: '1', source: 'lock' as const, workspace: { available: false as const, reason: '' } };
  const differ = describeDisagreement(compareLabels(['ADE', 'DRUG', 'DOSE'], ['ADE', 'DRUG']), 'm@1');
  assert.ok(differ && differ.includes('DOSE'));
  const card = modelCard({ ...bundle, labelMismatch: differ });
  assert.equal(card.available && card.labelMismatch, differ);
  const agree = modelCard({ ...bundle, labelMismatch: describeDisagreement(compareLabels(['ADE', 'DRUG'], ['DRUG', 'ADE']), 'm@1') });
  assert.equal(agree.available && 'labelMismatch' in agree, false);
});
