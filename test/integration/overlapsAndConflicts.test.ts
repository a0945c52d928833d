import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { AnnotationSpan, Fragment } from '../../src/core/annotations/sidecar';
import { ConflictScanner } from '../../src/core/sync/openConflicts';
import type { AnnotatedSpan } from '../../src/vscode/labelling/annotatedSpan';
import { closeAll, noteUri, runDismissingPicks, runWithFirstLabel, sidecarFile, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes, type ScratchNotes } from './scratchNotes';

/**
 * The commands that act on "the label under the cursor" when several labels are there: overlapping labels,
 * or the two versions of a span that a sync kept in conflict. They ask which one (the first row of the
 * pick is the innermost label, the local version first); a conflict is resolved by keeping one version.
 */

const REMOVE_NOTE = 'general-medicine--gen-med-consult-36-3348.txt';
const KEEP_NOTE = 'psychiatry-psychology--psych-consult-depression-1-1789.txt';
const PICKER_NOTE = 'pediatrics-neonatal--school-physical-1-1899.txt';
const ADJUST_NOTE = 'soap-chart-progress-notes--refractory-hypertension-followup-1312.txt';

function at(text: string, phrase: string): Fragment {
  const start = text.indexOf(phrase);
  assert.ok(start >= 0, `"${phrase}" is in the note`);
  return [start, start + phrase.length];
}

/** Both versions of a span as the sync merge leaves them: flagged, each naming the other; the local one first. */
function conflictPair(text: string, phrase: string, id: string): AnnotationSpan[] {
  const copy = `${id}~remote-0badc0de`;
  return [
    stored(text, id, 'ADE', at(text, phrase), { source: 'human', status: 'accepted', author: 'me', flags: ['conflict'], conflict: copy }),
    stored(text, copy, 'ADE', at(text, phrase), { source: 'human', status: 'rejected', author: 'someone else', flags: ['conflict'], conflict: id }),
  ];
}

/** The note open with the cursor inside `phrase`. */
async function cursorIn(name: string, phrase: string): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(noteUri(name));
  const [start] = at(editor.document.getText(), phrase);
  const pos = editor.document.positionAt(start + 2);
  editor.selection = new vscode.Selection(pos, pos);
  return editor;
}

async function spansOf(name: string): Promise<AnnotatedSpan[]> {
  return (await sidelight()).getAnnotations(noteUri(name));
}

async function onDisk(name: string): Promise<AnnotationSpan[]> {
  return (JSON.parse(await fs.readFile(sidecarFile(name), 'utf8')) as { spans: AnnotationSpan[] }).spans;
}

/** A copy of REMOVE_NOTE holding a sync conflict, open with the cursor inside it. */
async function conflictToRemove(notes: ScratchNotes, tag: string): Promise<string> {
  await sidelight();
  const { name, text } = await notes.copy(REMOVE_NOTE, tag);
  await writeSidecar(name, conflictPair(text, 'joint pain', 'remove-me'));
  await cursorIn(name, 'joint pain');
  await waitFor('the conflict loaded', async () => (await spansOf(name)).length === 2);
  return name;
}

/** A copy of ADJUST_NOTE with "History of depression" and "depression" inside it labelled. */
async function overlappingLabels(notes: ScratchNotes, tag: string): Promise<{ name: string; outer: AnnotationSpan; inner: AnnotationSpan }> {
  await sidelight();
  const { name, text } = await notes.copy(ADJUST_NOTE, tag);
  const outer = stored(text, 'outer', 'ADE', at(text, 'History of depression'), { source: 'human', status: 'accepted' });
  const inner = stored(text, 'inner', 'DRUG', at(text, 'depression'), { source: 'human', status: 'accepted' });
  await writeSidecar(name, [outer, inner]);
  return { name, outer, inner };
}

suite('labels under the cursor: overlaps and sync conflicts', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('"Remove label under cursor" on a sync conflict asks which version: dismissed, nothing is removed', async () => {
    const name = await conflictToRemove(notes, 'remove-conflict-dismissed');
    await runDismissingPicks('sidelight.removeLabel');
    assert.equal((await spansOf(name)).length, 2, 'both versions are still there');
  });

  test('"Remove label under cursor" on a sync conflict removes the version picked, and the other is no longer in conflict', async () => {
    const name = await conflictToRemove(notes, 'remove-conflict-picked');
    await runWithFirstLabel('sidelight.removeLabel');
    const left = await spansOf(name);
    assert.deepEqual(left.map((s) => [s.id, s.flags]), [['remove-me~remote-0badc0de', []]]);
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(name);
      return spans.length === 1 ? spans : undefined;
    });
    assert.equal(saved[0].conflict, undefined);
    assert.deepEqual(saved[0].flags, []);
  });

  test('"Keep this one" (the hover\'s link, also in the light bulb) keeps that version: the other goes, and the conflict is over on disk', async () => {
    await sidelight();
    const { name, uri, text } = await notes.copy(KEEP_NOTE, 'keep-this-one');
    const phrase = text.split('\n')[0].match(/[A-Za-z]{6,}/)![0];
    const [local, copy] = conflictPair(text, phrase, 'keep-me');
    await writeSidecar(name, [local, copy]);
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('the conflict loaded', async () => (await spansOf(name)).length === 2);
    // The hover and the light bulb offer it on each version.
    const inside = editor.document.positionAt(local.fragments[0][0] + 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, inside);
    const markdown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.equal(markdown.match(/\[Keep this one\]\(command:sidelight\.keepConflictVersion/g)?.length, 2, markdown);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(inside, inside));
    assert.equal(actions.filter((a) => a.command?.command === 'sidelight.keepConflictVersion').length, 2);
    await vscode.commands.executeCommand('sidelight.keepConflictVersion', copy.id);
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(name);
      return spans.length === 1 ? spans : undefined;
    });
    assert.deepEqual(saved.map((s) => [s.id, s.status, s.flags, s.conflict]), [[copy.id, 'rejected', [], undefined]]);
    // What the status bar and "Show sync conflicts" count: nothing left in this note.
    const open = await new ConflictScanner(vscode.workspace.workspaceFolders![0].uri.fsPath).scan();
    assert.deepEqual(open.spans.filter((s) => s.note === `notes/${name}`), []);
    // Undo brings the conflict back.
    await vscode.commands.executeCommand('sidelight.undoLabel');
    assert.equal((await spansOf(name)).filter((s) => s.flags.includes('conflict')).length, 2);
  });

  test('"Show sync conflicts" offers "Keep this one" for the version picked', async () => {
    const api = await sidelight();
    // The only conflict in the workspace (no other test leaves one), so that it is the picker's first row.
    const { name, text } = await notes.copy(PICKER_NOTE, 'show-conflicts');
    const phrase = text.split('\n')[0].match(/[A-Za-z]{6,}/)![0];
    await writeSidecar(name, conflictPair(text, phrase, 'picked'));
    await waitFor('the editor to read the conflict pair', async () => ((await api.getAnnotations(noteUri(name))).filter((s) => s.flags.includes('conflict')).length === 2 ? true : undefined));
    await runWithFirstLabel('sidelight.showConflicts');
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(name);
      return spans.length === 1 ? spans : undefined;
    });
    assert.deepEqual(saved[0].flags, []);
    assert.equal(saved[0].conflict, undefined);
    const open = await new ConflictScanner(vscode.workspace.workspaceFolders![0].uri.fsPath).scan();
    assert.equal(open.count, 0, `open conflicts: ${JSON.stringify(open.spans)}`);
  });

  test('"Adjust label boundaries" with no selection says so and changes nothing', async () => {
    const { name, outer, inner } = await overlappingLabels(notes, 'adjust-no-selection');
    await cursorIn(name, 'depression');
    await waitFor('the labels loaded', async () => (await spansOf(name)).length === 2);
    await runDismissingPicks('sidelight.adjustBoundaries');
    const after = await spansOf(name);
    assert.deepEqual(after.map((s) => [s.id, [[s.start, s.end]]]).sort(), [
      ['inner', inner.fragments],
      ['outer', outer.fragments],
    ]);
  });

  test('"Adjust label boundaries" over overlapping labels asks which one, and moves only that one', async () => {
    const { name } = await overlappingLabels(notes, 'adjust-overlapping');
    const editor = await vscode.window.showTextDocument(noteUri(name));
    await waitFor('the labels loaded', async () => (await spansOf(name)).length === 2);
    const text = editor.document.getText();
    const [s, e] = at(text, 'of depression');
    editor.selection = new vscode.Selection(editor.document.positionAt(s), editor.document.positionAt(e));
    const before = await spansOf(name);
    await runDismissingPicks('sidelight.adjustBoundaries');
    assert.deepEqual(await spansOf(name), before, 'dismissed: nothing changed');
    // The first row is the innermost label: "depression", not "History of depression" which starts first.
    await runWithFirstLabel('sidelight.adjustBoundaries');
    const after = new Map((await spansOf(name)).map((x) => [x.id, [x.start, x.end]]));
    assert.deepEqual(after.get('inner'), [s, e]);
    const outer = before.find((x) => x.id === 'outer')!;
    assert.deepEqual(after.get('outer'), [outer.start, outer.end]);
  });
});
