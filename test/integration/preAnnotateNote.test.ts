import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Fragment } from '../../src/core/annotations/sidecar';
import type { PreAnnotateSummary } from '../../src/vscode/labelling/preAnnotateCommand';
import { closeAll, runWithFirstLabel, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * "Pre-annotate this note": the active note only, with the workspace command's rules (no suggestion over
 * an existing span; a note marked done is left alone, with a message). Each test works on its own copies
 * of the notes.
 */

const THIS = 'orthopedic--knee-surgery-discharge-summary-2188.txt';
const OTHER = 'discharge-summary--copd-bronchitis-discharge-summary-3977.txt';
const DONE = 'hospice-palliative-care--hospice-visit-ca-of-cervix-3109.txt';

suite('pre-annotate this note', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('suggests the model\'s spans in the active note only, none over an existing span; again adds nothing', async () => {
    const api = await sidelight();
    const { name: thisNote, uri: thisUri } = await notes.copy(THIS, 'pre-annotate-this');
    const { uri: otherUri } = await notes.copy(OTHER, 'pre-annotate-other');
    assert.ok((await api.getPredictions(otherUri)).length > 0, 'the model predicts in the other note too');
    await vscode.window.showTextDocument(otherUri);
    const editor = await vscode.window.showTextDocument(thisUri);
    const doc = editor.document;
    const raw = doc.getText();
    const predicted = (await api.getPredictions(thisUri)).filter((p) => p.label === 'DRUG');
    // The user labelled a predicted drug together with the word before it (as "extra strength Tylenol").
    // Labelled through the editor, not by writing the sidecar: the note is loaded already.
    const first = predicted.find((p) => /\w+ $/.test(raw.slice(0, p.start)));
    assert.ok(first, 'a predicted drug after a word');
    const widened: Fragment = [raw.slice(0, first.start).search(/\w+ $/), first.end];
    editor.selection = new vscode.Selection(doc.positionAt(widened[0]), doc.positionAt(widened[1]));
    await runWithFirstLabel('sidelight.labelSelection');
    const [label] = await api.getAnnotations(thisUri);
    assert.deepEqual([label?.start, label?.end, label?.status], [...widened, 'accepted'], 'the widened label');

    const summary = await vscode.commands.executeCommand<PreAnnotateSummary | undefined>('sidelight.preAnnotateNote');

    assert.ok(summary, 'the command returns what it did');
    assert.equal(summary.notes, 1);
    assert.ok(summary.added > 0, `suggestions added: ${summary.message}`);
    assert.ok(summary.overlapping >= 1, 'the prediction inside the widened span is left out');
    assert.match(summary.message, new RegExp(`${summary.added} suggestions?(?: \\(and ${summary.links} caused_by links?\\))? added in notes/${thisNote.replace(/[.-]/g, '\\$&')}; ${summary.overlapping} predictions? left out`));
    const spans = await api.getAnnotations(thisUri);
    const suggested = spans.filter((s) => s.status === 'suggested');
    assert.equal(suggested.length, summary.added);
    assert.deepEqual(suggested.filter((s) => s.start < widened[1] && widened[0] < s.end).map((s) => s.text), [], 'nothing over the widened span');
    assert.ok(spans.some((s) => s.id === label.id && s.status === 'accepted'));
    assert.deepEqual(await api.getAnnotations(otherUri), [], 'the other open note is left alone');

    const again = await vscode.commands.executeCommand<PreAnnotateSummary | undefined>('sidelight.preAnnotateNote');
    assert.equal(again?.added, 0);
    assert.equal((await api.getAnnotations(thisUri)).length, spans.length);
  });

  test('a note marked done is left alone, and the message says why', async () => {
    const api = await sidelight();
    const { name, uri, text: raw } = await notes.copy(DONE, 'pre-annotate-done');
    const only = stored(raw, 'done-1', 'DRUG', [0, raw.search(/\s/)], { source: 'human', status: 'accepted' });
    await writeSidecar(name, [only], true);
    await vscode.window.showTextDocument(uri);
    await waitFor('the sidecar written on disk', async () => (await api.getAnnotations(uri)).map((s) => s.id).join() === 'done-1');
    assert.ok((await api.getPredictions(uri)).length > 0, 'the model predicts in the done note');

    const summary = await vscode.commands.executeCommand<PreAnnotateSummary | undefined>('sidelight.preAnnotateNote');

    assert.deepEqual([summary?.added, summary?.skippedDone, summary?.notes], [0, 1, 0]);
    assert.match(summary!.message, /is marked done, so Pre-annotate left it alone/);
    assert.deepEqual((await api.getAnnotations(uri)).map((s) => s.id), ['done-1']);
  });
});
