import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AnnotationStore } from '../../src/core/annotations/annotationStore';
import type { TrainResult } from '../../src/core/training/trainRun';
import { closeAll, sidelight, waitFor } from './api';

/**
 * "Train model from labels" in the real extension host: a real training run of the shipped recipe (one
 * short epoch) in the Python that has torch, on eight labelled notes of the repository marked done; then
 * "Use a trained model" pins it and the highlights switch to it without a reload.
 */

const PYTHON = process.env.SIDELIGHT_PYTHON || '/usr/bin/python3';

suite('training a model from the workspace\'s labels', function () {
  this.timeout(5 * 60_000);
  teardown(closeAll);

  test('the command trains on the done notes, writes a verified bundle with the comparison, and "use" switches the highlights to it', async () => {
    const api = await sidelight();
    const folder = vscode.workspace.workspaceFolders![0];
    const ws = folder.uri.fsPath;
    await vscode.workspace.getConfiguration('sidelight', folder.uri).update('python', PYTHON, vscode.ConfigurationTarget.Workspace);
    // Eight notes of the shipped labelled set with the most side effects, labelled and marked done.
    type Row = { id: string; text: string; spans: { label: string; start: number; end: number }[] };
    const repo = path.resolve(__dirname, '..', '..', '..');
    const all = (await fs.readFile(path.join(repo, 'data', 'notes-labelled', 'train.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Row);
    const ades = (r: Row) => r.spans.filter((s) => s.label === 'ADE').length;
    const rows = all.sort((a, b) => ades(b) - ades(a) || (a.id < b.id ? -1 : 1)).slice(0, 8);
    const store = new AnnotationStore(ws, { author: 'ana' });
    for (const r of rows) {
      const rel = `trainset/${r.id}.txt`;
      await fs.mkdir(path.join(ws, 'trainset'), { recursive: true });
      await fs.writeFile(path.join(ws, rel), r.text);
      await store.importSpans(rel, r.text, r.spans.map((s) => ({ label: s.label, fragments: [[s.start, s.end]] })));
      await store.setDone(rel, true);
    }
    await store.flush();
    store.dispose();

    const result = await vscode.commands.executeCommand<TrainResult | undefined>('sidelight.trainModel', { epochs: 1 });
    assert.ok(result, 'the run finished (see the extension log)');
    assert.ok(result.train >= 6 && result.heldOut >= 1);
    assert.ok(existsSync(path.join(result.bundleDir, 'model.onnx')));
    assert.equal(path.relative(ws, result.bundleDir), path.join('.sidelight', 'models', result.name, result.version));
    assert.equal(result.comparison.length, 4);
    assert.equal(existsSync(path.join(ws, '.sidelight', 'model.lock')), false, 'nothing is pinned until the user says so');

    const note = vscode.Uri.file(path.join(ws, `trainset/${rows[0].id}.txt`));
    await vscode.window.showTextDocument(note);
    const pinned = await vscode.commands.executeCommand<string>('sidelight.useModel', result.name, result.version);
    assert.equal(pinned, `${result.name}@${result.version}`);
    const state = await waitFor('the highlights to use the new model', () => {
      const s = api.getModelState(note);
      return s?.kind === 'ready' && s.info.version === result.version ? s : undefined;
    }, 60_000);
    assert.equal(state.kind === 'ready' && state.source, 'lock');
    await fs.rm(path.join(ws, '.sidelight', 'model.lock'));
  });
});
