import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainResult } from '../../src/core/training/trainRun';
import { writeLabelledNotes } from '../fixtures/labelledNotes';
import { cacheDir } from '../harness/paths';
import { closeAll, sidelight, waitFor } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * "Train model from labels" in the real extension host: a real training run of the shipped recipe (one
 * short epoch) in the Python that has torch, on eight labelled notes of the repository marked done; then
 * "Use a trained model" pins it and the highlights switch to it without a reload.
 */

const PYTHON = process.env.SIDELIGHT_PYTHON || '/usr/bin/python3';

suite('training a model from the workspace\'s labels', function () {
  this.timeout(5 * 60_000);
  teardown(closeAll);
  const scratch = scratchNotes();
  /** The bundle the test trained: deleted after it, with the pin and the setting the test made. */
  let bundleDir: string | undefined;
  teardown(async () => {
    const api = await sidelight();
    const folder = vscode.workspace.workspaceFolders![0];
    await vscode.workspace.getConfiguration('sidelight', folder.uri).update('python', undefined, vscode.ConfigurationTarget.Workspace);
    await fs.rm(path.join(folder.uri.fsPath, '.sidelight', 'model.lock'), { force: true });
    // The highlights go back to the default model, which the other suites predict with.
    await waitFor('the pinned model to be let go', () => {
      const s = api.getModelState(folder.uri);
      return s?.kind !== 'ready' || s.source !== 'lock';
    }, 60_000);
    if (bundleDir) {
      await fs.rm(bundleDir, { recursive: true, force: true });
      // The folders above it, if nothing else is there.
      for (const dir of [path.dirname(bundleDir), path.dirname(path.dirname(bundleDir))]) await fs.rmdir(dir).catch(() => undefined);
    }
    bundleDir = undefined;
  });

  test('the command trains on the done notes, writes a verified bundle with the comparison, and "use" switches the highlights to it', async () => {
    const api = await sidelight();
    const folder = vscode.workspace.workspaceFolders![0];
    const ws = folder.uri.fsPath;
    await vscode.workspace.getConfiguration('sidelight', folder.uri).update('python', PYTHON, vscode.ConfigurationTarget.Workspace);
    // Eight notes of the shipped labelled set with the most side effects, labelled and marked done.
    scratch.track(vscode.Uri.joinPath(folder.uri, 'trainset'));
    const notes = await writeLabelledNotes(ws, 8, 'trainset');

    const result = await vscode.commands.executeCommand<TrainResult | undefined>('sidelight.trainModel', { epochs: 1 });
    assert.ok(result, 'the run finished (see the extension log)');
    bundleDir = result.bundleDir;
    assert.ok(result.train >= 6 && result.heldOut >= 1);
    assert.ok(existsSync(path.join(result.bundleDir, 'model.onnx')));
    assert.equal(path.relative(ws, result.bundleDir), path.join('.sidelight', 'models', result.name, result.version));
    assert.equal(result.comparison.length, 4);
    assert.equal(existsSync(path.join(ws, '.sidelight', 'model.lock')), false, 'nothing is pinned until the user says so');

    const note = vscode.Uri.file(path.join(ws, notes[0]));
    await vscode.window.showTextDocument(note);
    const pinned = await vscode.commands.executeCommand<string>('sidelight.useModel', result.name, result.version);
    assert.equal(pinned, `${result.name}@${result.version}`);
    const state = await waitFor('the highlights to use the new model', () => {
      const s = api.getModelState(note);
      return s?.kind === 'ready' && s.info.version === result.version ? s : undefined;
    }, 60_000);
    assert.equal(state.kind === 'ready' && state.source, 'lock');

    // "Push and pin for the team": a new version on the remote, and the team's pin beside it.
    const remoteDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-it-team-'));
    const remoteSetting = vscode.workspace.getConfiguration('sidelight', folder.uri);
    await remoteSetting.update('remote', vscode.Uri.file(remoteDir).toString(), vscode.ConfigurationTarget.Workspace);
    try {
      const pushed = await vscode.commands.executeCommand<string>('sidelight.pushModel', result.name, result.version);
      assert.equal(pushed, `${result.name}@${result.version}`);
      const onRemote = path.join(remoteDir, 'models', result.name, result.version, 'manifest.json');
      assert.deepEqual(await fs.readFile(onRemote), await fs.readFile(path.join(result.bundleDir, 'manifest.json')));
      const teamPin = JSON.parse(await fs.readFile(path.join(remoteDir, 'model.lock'), 'utf8')) as { name: string; version: string };
      const localPin = JSON.parse(await fs.readFile(path.join(ws, '.sidelight', 'model.lock'), 'utf8')) as { name: string; version: string };
      assert.deepEqual(teamPin, localPin);
      assert.deepEqual([teamPin.name, teamPin.version], [result.name, result.version]);
    } finally {
      await remoteSetting.update('remote', undefined, vscode.ConfigurationTarget.Workspace);
      await fs.rm(remoteDir, { recursive: true, force: true });
      await fs.rm(path.join(ws, '.sidelight', 'model.lock'));
    }
  });
});

/**
 * The encoder recipe from the editor: the command's `{ recipe }` (what the quick pick would answer) runs
 * `sidelight train --recipe encoder` in the encoder's Python (scripts/setup-encoder.sh), one epoch.
 */
const ENCODER_PYTHON = process.env.SIDELIGHT_ENCODER_PYTHON || path.join(cacheDir, 'encoder-venv', 'bin', 'python');

suite('training an encoder model from the workspace\'s labels', function () {
  this.timeout(5 * 60_000);
  teardown(closeAll);
  const scratch = scratchNotes();

  test('{ recipe: "encoder" } fine-tunes the encoder on the done notes and returns its verified bundle with the comparison', async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    const ws = folder.uri.fsPath;
    const setting = vscode.workspace.getConfiguration('sidelight', folder.uri);
    await setting.update('python', ENCODER_PYTHON, vscode.ConfigurationTarget.Workspace);
    scratch.track(vscode.Uri.joinPath(folder.uri, 'trainset-encoder'));
    let models: string | undefined;
    try {
      await writeLabelledNotes(ws, 8, 'trainset-encoder');
      const result = await vscode.commands.executeCommand<TrainResult | undefined>('sidelight.trainModel', { recipe: 'encoder', epochs: 1 });
      assert.ok(result, 'the run finished (see the extension log)');
      models = path.dirname(result.bundleDir);
      assert.equal(result.name, 'sidelight-ade-encoder');
      assert.equal(path.relative(ws, result.bundleDir), path.join('.sidelight', 'models', result.name, result.version));
      const manifest = JSON.parse(await fs.readFile(path.join(result.bundleDir, 'manifest.json'), 'utf8')) as { training: { recipe: string }; base: { name: string } };
      assert.equal(manifest.training.recipe, 'encoder');
      assert.equal(manifest.base.name, 'sentence-transformers/all-MiniLM-L6-v2');
      assert.equal(result.comparison.length, 4);
      assert.equal(existsSync(path.join(ws, '.sidelight', 'model.lock')), false, 'nothing is pinned until the user says so');
      // An unknown recipe is refused before anything runs: no other bundle appears.
      const before = await fs.readdir(models);
      assert.equal(await vscode.commands.executeCommand('sidelight.trainModel', { recipe: 'gpt' }), undefined);
      assert.deepEqual(await fs.readdir(models), before);
    } finally {
      await setting.update('python', undefined, vscode.ConfigurationTarget.Workspace);
      if (models) {
        await fs.rm(models, { recursive: true, force: true });
        await fs.rmdir(path.dirname(models)).catch(() => undefined); // .sidelight/models, if nothing else is there
      }
    }
  });
});
