import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LabelAllSummary } from '../../src/vscode/labelling/labelAllOccurrencesCommand';
import { closeAll, occurrences, runWithFirstLabel, sidelight, stored, TEST_MODEL, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * "Label all occurrences" in the real extension host: from a label under the cursor (its label, the
 * confirmation's first row: case-sensitive) and from a selection (the label picker, then "ignoring case").
 * Each test works on its own copy of a note, whose sidecar is written before the note is first opened.
 */

const FLECAINIDE = 'surgery--cardiac-consult-cardioversion-1092.txt';

const describe = (spans: { text: string; start: number; label: string; status: string }[]) => spans.map((s) => `${s.text}@${s.start} ${s.label} ${s.status}`).join(', ');

suite('label all occurrences', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('from a label under the cursor: new spans where nothing is, a suggestion accepted in place, overlaps skipped, other case left; one undo step', async () => {
    const api = await sidelight();
    const { name, uri, text: raw } = await notes.copy('general-medicine--gen-med-consult-52-3332.txt', 'label-all-from-label');
    const digoxin = occurrences(raw, 'digoxin');
    assert.equal(digoxin.length, 5, 'five "digoxin" (and one "Digoxin")');
    assert.equal(occurrences(raw, 'Digoxin').length, 1);
    const toxicity = occurrences(raw, 'digoxin toxicity')[0];
    assert.equal(toxicity[0], digoxin[3][0], 'the 4th digoxin starts "digoxin toxicity"');
    const initial = [
      stored(raw, 'source', 'DRUG', digoxin[0], { source: 'human', status: 'accepted' }),
      stored(raw, 'suggested', 'DRUG', digoxin[1]),
      stored(raw, 'toxicity', 'ADE', toxicity, { source: 'human', status: 'accepted' }),
    ];
    await writeSidecar(name, initial);
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    assert.equal((await api.getAnnotations(uri)).length, 3);

    // The cursor inside the first (labelled) digoxin, no selection.
    editor.selection = new vscode.Selection(doc.positionAt(digoxin[0][0] + 3), doc.positionAt(digoxin[0][0] + 3));
    const summary = await runWithFirstLabel<LabelAllSummary>('sidelight.labelAllOccurrences');

    assert.ok(summary, 'the command returns what it did');
    assert.deepEqual(
      [summary.needle, summary.label, summary.ignoreCase, summary.labelled, summary.added, summary.accepted, summary.skipped],
      ['digoxin', 'DRUG', false, 3, 2, 1, 1],
    );
    assert.match(summary.message, /labelled 3 occurrences of 'digoxin' as DRUG \(2 new, 1 suggestion accepted\); 1 skipped/);
    const spans = await api.getAnnotations(uri);
    assert.equal(spans.length, 5, `one span per occurrence, no duplicate: ${describe(spans)}`);
    const accepted = spans.find((s) => s.id === 'suggested');
    assert.equal(accepted?.status, 'accepted', 'the suggestion is accepted');
    assert.equal(accepted.source, TEST_MODEL, 'and still counts as a reviewed prediction');
    const drugs = spans.filter((s) => s.label === 'DRUG' && s.status === 'accepted').map((s) => s.start);
    assert.deepEqual(drugs.sort((a, b) => a - b), [digoxin[0][0], digoxin[1][0], digoxin[2][0], digoxin[4][0]], 'the digoxin inside "digoxin toxicity" is skipped');
    assert.ok(!spans.some((s) => s.text === 'Digoxin'), 'case-sensitive by default');

    // ONE undo step takes all of it back: the suggestion pending again, the new spans gone.
    await vscode.commands.executeCommand('sidelight.undoLabel');
    const undone = await api.getAnnotations(uri);
    assert.deepEqual(undone.map((s) => [s.id, s.status]).sort(), [['source', 'accepted'], ['suggested', 'suggested'], ['toxicity', 'accepted']], describe(undone));
  });

  test('from a selection with no label: the label picker, then "ignoring case" labels every spelling (whole words only)', async () => {
    const api = await sidelight();
    const { name, uri } = await notes.copy(FLECAINIDE, 'label-all-from-selection');
    const raw = await writeSidecar(name, []);
    const lower = occurrences(raw, 'flecainide');
    const upper = occurrences(raw, 'Flecainide');
    assert.deepEqual([lower.length, upper.length], [5, 1]);
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    assert.equal((await api.getAnnotations(uri)).length, 0);

    editor.selection = new vscode.Selection(doc.positionAt(lower[1][0]), doc.positionAt(lower[1][1]));
    // First row of the label picker, then the confirmation with its "ignoring case" row made active.
    const summary = await runWithFirstLabel<LabelAllSummary>('sidelight.labelAllOccurrences', { ignoreCase: true });

    assert.ok(summary, 'the command returns what it did');
    assert.deepEqual([summary.needle, summary.ignoreCase, summary.labelled, summary.added, summary.skipped], ['flecainide', true, 6, 6, 0]);
    const spans = await api.getAnnotations(uri);
    assert.deepEqual(
      spans.map((s) => [s.start, s.end, s.label, s.status]),
      [...lower, ...upper].sort((a, b) => a[0] - b[0]).map(([s, e]) => [s, e, summary.label, 'accepted']),
      describe(spans),
    );
  });

  test('nothing else to label: says so and changes nothing', async () => {
    const api = await sidelight();
    const { name, uri, text: raw } = await notes.copy(FLECAINIDE, 'label-all-nothing-left');
    // Every spelling labelled, as the previous test leaves the note.
    const all = [...occurrences(raw, 'flecainide'), ...occurrences(raw, 'Flecainide')];
    await writeSidecar(name, all.map((f, i) => stored(raw, `flecainide-${i}`, 'DRUG', f, { source: 'human', status: 'accepted' })));
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    const before = await api.getAnnotations(uri);
    const first = before.find((s) => s.text === 'flecainide');
    assert.ok(first, 'the labels written before the note was opened');
    editor.selection = new vscode.Selection(doc.positionAt(first.start + 1), doc.positionAt(first.start + 1));
    const summary = await runWithFirstLabel<LabelAllSummary>('sidelight.labelAllOccurrences');
    assert.equal(summary?.labelled, 0);
    assert.match(summary.message, /no other unlabelled occurrence of 'flecainide'/);
    assert.equal((await api.getAnnotations(uri)).length, before.length);
  });

  /**
   * Opens the chooser from the label on the first "flecainide" (the confirmation's choosing row made active
   * by the `choose` option, accepted) and waits until it selects its first row's occurrence in the note.
   */
  async function openChooser(copyName: string) {
    const api = await sidelight();
    const { name, uri, text: raw } = await notes.copy(FLECAINIDE, copyName);
    const lower = occurrences(raw, 'flecainide');
    const every = [...lower, ...occurrences(raw, 'Flecainide')].sort((a, b) => a[0] - b[0]);
    await writeSidecar(name, [stored(raw, 'source', 'DRUG', lower[0], { source: 'human', status: 'accepted' })]);
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    await waitFor('the label to load', async () => ((await api.getAnnotations(uri)).length === 1 ? true : undefined));
    editor.selection = new vscode.Selection(doc.positionAt(lower[0][0] + 2), doc.positionAt(lower[0][0] + 2));
    const others = every.filter((f) => f[0] !== lower[0][0]);
    const selected = (f: [number, number]) => doc.offsetAt(editor.selection.start) === f[0] && doc.offsetAt(editor.selection.end) === f[1];
    let finished = false;
    const running = Promise.resolve(vscode.commands.executeCommand<LabelAllSummary | undefined>('sidelight.labelAllOccurrences', { choose: true })).finally(() => (finished = true));
    // Accept the confirmation (retried slowly: the chooser opens at once after it, and must not be accepted).
    for (let i = 0; i < 20 && !finished && !selected(others[0]); i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await waitFor('the chooser', () => selected(others[0]) || undefined, 2_000).catch(() => undefined);
    }
    assert.ok(selected(others[0]), 'the chooser selects its first occurrence in the note');
    return { api, uri, editor, doc, source: lower[0], others, selected, running };
  }

  test('choose which to label: every other spelling listed, checked; the one unchecked is left alone; one undo step', async () => {
    const { api, uri, editor, doc, source, others, selected, running } = await openChooser('label-all-choose');
    assert.equal(others.length, 5, 'four more "flecainide" and one "Flecainide" (the widest plan: ignoring case)');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await waitFor('the second row selected in the note', () => selected(others[1]) || undefined);
    await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const summary = await running;

    assert.ok(summary, 'the command returns what it did');
    assert.deepEqual([summary.ignoreCase, summary.labelled, summary.added], [true, 4, 4]);
    assert.match(summary.message, /labelled 4 occurrences of 'flecainide' as DRUG \(ignoring case\); 0 skipped \(overlapping another span\); 1 already labelled; 1 left unlabelled \(not chosen\)\./);
    const starts = (await api.getAnnotations(uri)).map((s) => s.start).sort((a, b) => a - b);
    const expected = [source, ...others.filter((_, i) => i !== 1)].map((f) => f[0]).sort((a, b) => a - b);
    assert.deepEqual(starts, expected, 'the source label, and every occurrence but the unchecked second');
    assert.equal(doc.offsetAt(editor.selection.active), source[0] + 2, 'the cursor given back where it was');
    await vscode.commands.executeCommand('sidelight.undoLabel');
    assert.equal((await api.getAnnotations(uri)).length, 1, 'one undo step takes the four back');
  });

  test('choose which to label: an edit sent together with Enter labels the words chosen or nothing, never other words', async () => {
    const { api, uri, doc, running } = await openChooser('label-all-choose-edit');
    const top = new vscode.WorkspaceEdit();
    top.insert(uri, new vscode.Position(0, 0), 'ADDENDUM: flecainide held.\n');
    // No time between them: Enter and an edit that moves every offset.
    const [, edited] = await Promise.all([vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'), vscode.workspace.applyEdit(top)]);
    assert.ok(edited);
    const summary = await running;
    const spans = await api.getAnnotations(uri);
    const text = doc.getText();
    for (const s of spans) assert.equal(text.slice(s.start, s.end).toLowerCase(), 'flecainide', `a label on its word: ${s.start}`);
    assert.ok(!spans.some((s) => s.start < 'ADDENDUM: flecainide held.\n'.length), 'the typed line was not in the chooser');
    assert.ok(spans.length === 1 || spans.length === 6, `all chosen or none: ${spans.length} labels (${summary?.message ?? 'closed by the edit'})`);
  });
});
