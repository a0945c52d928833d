import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closeAll, highlightsUpdated, noteUri, sidelight, waitFor } from './api';
import { scratchNotes } from './scratchNotes';

const NOTE = 'dermatology--acne-vulgaris-h-p-4033.txt';

suite('inline highlights', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('a demo note gets predictions at the right offsets, drawn once it is visible', async () => {
    const api = await sidelight();
    const { uri } = await notes.copy(NOTE, 'highlights-drawn');
    const editor = await vscode.window.showTextDocument(uri);
    // Polled, not awaited as an event: the model may have run before this waits.
    await waitFor('predictions drawn in the note', () => api.testing.getDisplayedPredictions(uri).length > 0, 30_000);
    const text = editor.document.getText();
    const spans = api.testing.getDisplayedPredictions(uri);
    for (const s of spans) assert.equal(text.slice(s.start, s.end), s.text, `span ${s.label} ${s.start}-${s.end}`);
    const drugs = spans.filter((s) => s.label === 'DRUG').map((s) => s.text.toLowerCase());
    assert.ok(drugs.some((d) => d.includes('tetracycline') || d.includes('penicillin')), `drugs found: ${drugs.join(', ')}`);
    const closed = await api.getPredictions(noteUri('orthopedic--knee-djd-consult-2195.txt'));
    const closedText = await fs.readFile(noteUri('orthopedic--knee-djd-consult-2195.txt').fsPath, 'utf8');
    assert.ok(closed.length > 0, 'a closed note is predicted through the API');
    for (const s of closed) assert.equal(closedText.slice(s.start, s.end), s.text);
  });

  test('a note opened for the first time is drawn without any edit, in one run', async () => {
    const api = await sidelight();
    const uri = noteUri('pediatrics-neonatal--new-onset-seizure-1913.txt');
    let updates = 0;
    const sub = api.onDidUpdateHighlights((u) => u.toString() === uri.toString() && updates++);
    try {
      const editor = await vscode.window.showTextDocument(uri, { preview: false });
      await waitFor('the first drawing', () => updates > 0, 30_000);
      assert.equal(editor.document.version, 1, 'nothing edited the note');
      assert.ok(api.testing.getDisplayedPredictions(uri).length > 0, 'its predictions are drawn');
      assert.deepEqual(api.testing.getDisplayedPredictions(uri).map((s) => [s.start, s.end, s.label]), (await api.getPredictions(uri)).filter((s) => (s.score ?? 1) >= 0.2).map((s) => [s.start, s.end, s.label]));
      // The prediction made as the document opened and the one the editor's appearance asked for were
      // one model run and one drawing, not two.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(updates, 1, 'drawn once');
    } finally {
      sub.dispose();
    }
  });

  test('typing before a span shifts it; typing inside clears it, then it is predicted again', async () => {
    const api = await sidelight();
    const { uri } = await notes.copy(NOTE, 'highlights-typing');
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('predictions drawn in the note', () => api.testing.getDisplayedPredictions(uri).length > 0, 30_000);
    const before = api.testing.getDisplayedPredictions(uri);
    const target = before.find((s) => s.label === 'DRUG') ?? before[0];
    assert.ok(target, 'a span to work with');

    // Before the span: it moves with the text at once, before the model runs again.
    await editor.edit((e) => e.insert(editor.document.positionAt(0), 'Reviewed.\n'));
    const shifted = api.testing.getDisplayedPredictions(uri).find((s) => s.label === target.label && s.text === target.text && s.start === target.start + 10);
    assert.ok(shifted, `span "${target.text}" shifted by 10`);
    assert.equal(editor.document.getText().slice(shifted.start, shifted.end), target.text);

    // Inside the span: cleared at once, then predicted again after the idle delay.
    const inside = shifted.start + 1;
    await editor.edit((e) => e.insert(editor.document.positionAt(inside), 'x'));
    assert.ok(
      !api.testing.getDisplayedPredictions(uri).some((s) => s.start <= inside && inside < s.end),
      'the edited span is cleared at once',
    );
    const again = highlightsUpdated(api, uri);
    await again;
    const text = editor.document.getText();
    for (const s of api.testing.getDisplayedPredictions(uri)) assert.equal(text.slice(s.start, s.end), s.text);
  });

  test('a broken model folder shows an error state; labelling commands still work', async () => {
    const api = await sidelight();
    const folder = vscode.workspace.workspaceFolders![0];
    // Beside the workspace, and deleted after the test: the runner's work folder must hold nothing new.
    const broken = path.join(folder.uri.fsPath, '..', 'broken-model');
    await fs.mkdir(broken, { recursive: true });
    await fs.writeFile(path.join(broken, 'model.onnx'), 'not a model');
    await fs.writeFile(path.join(broken, 'config.json'), '{"id2label": {"0": "O"}}');
    await fs.writeFile(path.join(broken, 'tokenizer.json'), '{}');
    const config = vscode.workspace.getConfiguration('sidelight', folder.uri);
    await config.update('model.path', broken, vscode.ConfigurationTarget.Workspace);
    try {
      const { uri } = await notes.copy(NOTE, 'highlights-broken-model');
      await vscode.window.showTextDocument(uri);
      await assert.rejects(api.getPredictions(uri), (e: Error) => /broken-model/.test(e.message));
      const state = api.getModelState(uri);
      assert.equal(state?.kind, 'error');
      assert.ok(api.testing.getDisplayedPredictions(uri).length === 0, 'no highlights from a broken model');
      const commands = await vscode.commands.getCommands(true);
      assert.ok(commands.includes('sidelight.labelSelection'));
    } finally {
      await config.update('model.path', undefined, vscode.ConfigurationTarget.Workspace);
      await fs.rm(broken, { recursive: true, force: true });
    }
  });
});
