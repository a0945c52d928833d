import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { noteLeads } from '../../src/core/model/sideEffectLeads';
import type { RankedNote } from '../../src/vscode/labelling/sideEffectLeadsCommands';
import { closeAll, runDismissingPicks, runWithFirstLabel, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * *Find notes likely to hold side effects* and *Sentences to check for side effects in this note*, in the real
 * host with the default model: the ranking over the demo workspace, the note it opens, the sentence it
 * selects. Which leads a text has is unit-tested (test/unit/model/sideEffectLeads.test.ts); here the
 * expected leads are computed by the same core function from the predictions the editor draws.
 */

// The drug is named two sentences before the effect, which the model does not predict on its own.
const TOLD_LATER =
  'HISTORY OF PRESENT ILLNESS: The patient was started on metoprolol in May. She continued on it for about six months. ' +
  'However, it made her feel much more tired, so she stopped taking it.\n\nMEDICATIONS: Lisinopril 10 mg daily.\n';

suite('side-effect leads', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('the ranking lists notes most likely first, leaves out notes marked done; choosing the top one opens it at its first lead', async () => {
    const api = await sidelight();
    const open = await notes.create('leads-open--told-later.txt', TOLD_LATER);
    const done = await notes.create('leads-done--told-later.txt', TOLD_LATER);
    await writeSidecar(done.name, [stored(TOLD_LATER, 'done-1', 'DRUG', [TOLD_LATER.indexOf('metoprolol'), TOLD_LATER.indexOf('metoprolol') + 10], { source: 'human', status: 'accepted' })], true);

    const ranking = await runWithFirstLabel<RankedNote[]>('sidelight.findSideEffectNotes');

    assert.ok(ranking && ranking.length > 1, 'a ranking of several notes');
    assert.deepEqual(
      ranking.map((n) => n.score),
      [...ranking.map((n) => n.score)].sort((a, b) => b - a),
      'highest score first',
    );
    const mine = ranking.find((n) => n.rel === `notes/${open.name}`);
    assert.ok(mine, `the scratch note is ranked: ${ranking.map((n) => n.rel).join(', ')}`);
    const expected = noteLeads(TOLD_LATER, await api.getPredictions(open.uri));
    assert.ok(expected.cueSentences >= 1, 'the note has a sentence to check');
    assert.deepEqual([mine.predicted, mine.cueSentences, mine.score], [expected.predicted, expected.cueSentences, expected.score]);
    assert.ok(!ranking.some((n) => n.rel === `notes/${done.name}`), 'the note marked done is left out');
    assert.ok(ranking.every((n) => n.predicted + n.cueSentences > 0), 'every note listed has a lead');

    // The first row of each pick was accepted: the top note is open with its first lead selected.
    const top = ranking[0];
    const editor = await waitFor('the top note in the editor', () => (vscode.window.activeTextEditor?.document.uri.toString() === top.uri ? vscode.window.activeTextEditor : undefined));
    const first = noteLeads(editor.document.getText(), await api.getPredictions(editor.document.uri)).leads[0];
    await waitFor('its first lead selected', () =>
      editor.document.offsetAt(editor.selection.start) === first.start && editor.document.offsetAt(editor.selection.end) === first.end ? true : undefined,
    );
  });

  test('in a note: the sentence to check is selected when chosen, the selection comes back when the pick is dismissed, and labelling it removes the lead', async () => {
    const api = await sidelight();
    const { uri } = await notes.create('leads-in-note--told-later.txt', TOLD_LATER);
    const editor = await vscode.window.showTextDocument(uri);
    const leads = noteLeads(TOLD_LATER, await api.getPredictions(uri));
    const cue = leads.leads.find((l) => l.kind === 'cue');
    assert.ok(cue, 'a cue sentence');
    const cursor = editor.document.positionAt(0);
    editor.selection = new vscode.Selection(cursor, cursor);

    assert.equal(await runDismissingPicks('sidelight.sideEffectLeadsInNote'), undefined);
    assert.deepEqual([editor.selection.start, editor.selection.end], [cursor, cursor], 'dismissed: the cursor is back');

    const chosen = await runWithFirstLabel<{ start: number; end: number }>('sidelight.sideEffectLeadsInNote');
    assert.deepEqual([chosen?.start, chosen?.end], [leads.leads[0].start, leads.leads[0].end]);
    assert.equal(editor.document.getText(editor.selection), TOLD_LATER.slice(leads.leads[0].start, leads.leads[0].end));

    // An edit while the pick is open (a script's, with no time between) closes it: nothing is selected by
    // the offsets of the text before the edit, and the selection stays where the edit moved it.
    editor.selection = new vscode.Selection(cursor, cursor);
    let finished = false;
    const picking = Promise.resolve(vscode.commands.executeCommand<unknown>('sidelight.sideEffectLeadsInNote')).finally(() => (finished = true));
    const first = leads.leads[0];
    await waitFor('the first lead previewed', () => (editor.document.offsetAt(editor.selection.start) === first.start ? true : undefined));
    const inserted = 'Seen today. ';
    const end = editor.document.positionAt(TOLD_LATER.length);
    await Promise.all([editor.edit((b) => b.insert(editor.document.positionAt(0), inserted)), editor.edit((b) => b.insert(end, 'x'))]);
    assert.equal(await picking, undefined, 'the pick closed without a choice');
    assert.ok(finished);
    assert.equal(editor.document.getText(editor.selection), TOLD_LATER.slice(first.start, first.end), 'the previewed sentence, moved by the edit');
    await vscode.commands.executeCommand('undo');
    await vscode.commands.executeCommand('undo');
    await waitFor('the text back as it was', () => (editor.document.getText() === TOLD_LATER ? true : undefined));

    // She labels the effect in the cue sentence: that sentence is no longer a lead.
    const tired = TOLD_LATER.indexOf('tired');
    editor.selection = new vscode.Selection(editor.document.positionAt(tired), editor.document.positionAt(tired + 'tired'.length));
    await runWithFirstLabel('sidelight.labelSelection');
    await waitFor('the label', async () => ((await api.getAnnotations(uri)).some((s) => s.text === 'tired' && s.label === 'ADE') ? true : undefined));
    editor.selection = new vscode.Selection(cursor, cursor);
    const after = await runWithFirstLabel<{ start: number; end: number; kind: string }>('sidelight.sideEffectLeadsInNote');
    assert.ok(after === undefined || !(after.start <= tired && tired < after.end), 'the labelled sentence is no lead any more');
  });
});
