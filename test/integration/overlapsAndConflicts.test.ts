import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { AnnotationSpan, Fragment } from '../../src/core/annotations/sidecar';
import { ConflictScanner } from '../../src/core/sync/openConflicts';
import type { AnnotatedSpan } from '../../src/vscode/labelling/annotatedSpan';
import { closeAll, noteUri, runDismissingPicks, runWithFirstLabel, sidecarFile, sidelight, stored, waitFor, writeSidecar } from './api';

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

async function firstLineOf(name: string): Promise<string> {
  return (await fs.readFile(noteUri(name).fsPath, 'utf8')).split('\n')[0];
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

suite('labels under the cursor: overlaps and sync conflicts', () => {
  teardown(closeAll);

  test('"Remove label under cursor" on a sync conflict asks which version: dismissed, nothing is removed', async () => {
    await sidelight();
    const text = await fs.readFile(noteUri(REMOVE_NOTE).fsPath, 'utf8');
    await writeSidecar(REMOVE_NOTE, conflictPair(text, 'joint pain', 'remove-me'));
    await cursorIn(REMOVE_NOTE, 'joint pain');
    await waitFor('the conflict loaded', async () => (await spansOf(REMOVE_NOTE)).length === 2);
    await runDismissingPicks('sidelight.removeLabel');
    assert.equal((await spansOf(REMOVE_NOTE)).length, 2, 'both versions are still there');
  });

  test('"Remove label under cursor" on a sync conflict removes the version picked, and the other is no longer in conflict', async () => {
    await cursorIn(REMOVE_NOTE, 'joint pain');
    await runWithFirstLabel('sidelight.removeLabel');
    const left = await spansOf(REMOVE_NOTE);
    assert.deepEqual(left.map((s) => [s.id, s.flags]), [['remove-me~remote-0badc0de', []]]);
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(REMOVE_NOTE);
      return spans.length === 1 ? spans : undefined;
    });
    assert.equal(saved[0].conflict, undefined);
    assert.deepEqual(saved[0].flags, []);
  });

  test('"Keep this one" (the hover\'s link, also in the light bulb) keeps that version: the other goes, and the conflict is over on disk', async () => {
    await sidelight();
    const text = await fs.readFile(noteUri(KEEP_NOTE).fsPath, 'utf8');
    const phrase = (await firstLineOf(KEEP_NOTE)).match(/[A-Za-z]{6,}/)![0];
    const [local, copy] = conflictPair(text, phrase, 'keep-me');
    await writeSidecar(KEEP_NOTE, [local, copy]);
    const editor = await vscode.window.showTextDocument(noteUri(KEEP_NOTE));
    await waitFor('the conflict loaded', async () => (await spansOf(KEEP_NOTE)).length === 2);
    // The hover and the light bulb offer it on each version.
    const inside = editor.document.positionAt(local.fragments[0][0] + 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', noteUri(KEEP_NOTE), inside);
    const markdown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.equal(markdown.match(/\[Keep this one\]\(command:sidelight\.keepConflictVersion/g)?.length, 2, markdown);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', noteUri(KEEP_NOTE), new vscode.Range(inside, inside));
    assert.equal(actions.filter((a) => a.command?.command === 'sidelight.keepConflictVersion').length, 2);
    await vscode.commands.executeCommand('sidelight.keepConflictVersion', copy.id);
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(KEEP_NOTE);
      return spans.length === 1 ? spans : undefined;
    });
    assert.deepEqual(saved.map((s) => [s.id, s.status, s.flags, s.conflict]), [[copy.id, 'rejected', [], undefined]]);
    // What the status bar and "Show sync conflicts" count: nothing left in this note.
    const open = await new ConflictScanner(vscode.workspace.workspaceFolders![0].uri.fsPath).scan();
    assert.deepEqual(open.spans.filter((s) => s.note === `notes/${KEEP_NOTE}`), []);
    // Undo brings the conflict back.
    await vscode.commands.executeCommand('sidelight.undoLabel');
    assert.equal((await spansOf(KEEP_NOTE)).filter((s) => s.flags.includes('conflict')).length, 2);
  });

  test('"Show sync conflicts" offers "Keep this one" for the version picked', async () => {
    const otherConflicts = async () =>
      (await new ConflictScanner(vscode.workspace.workspaceFolders![0].uri.fsPath).scan()).spans.filter((c) => c.note !== `notes/${PICKER_NOTE}`);
    await sidelight();
    const text = await fs.readFile(noteUri(PICKER_NOTE).fsPath, 'utf8');
    const phrase = (await firstLineOf(PICKER_NOTE)).match(/[A-Za-z]{6,}/)![0];
    await writeSidecar(PICKER_NOTE, conflictPair(text, phrase, 'picked'));
    // Only this note's conflict may be open, so that it is the picker's first row: earlier tests (this
    // file's undo, or a sync in another suite) may have left others; keep one version of each.
    // The undo above is written by the store a moment later: resolve it first (that writes at once).
    await vscode.commands.executeCommand('sidelight.keepConflictVersion', { uri: noteUri(KEEP_NOTE).toString(), id: 'keep-me' });
    const folder = vscode.workspace.workspaceFolders![0];
    for (let others = await otherConflicts(); others.length; others = await otherConflicts()) {
      await vscode.commands.executeCommand('sidelight.keepConflictVersion', { uri: vscode.Uri.joinPath(folder.uri, ...others[0].note.split('/')).toString(), id: others[0].id });
    }
    // The editor has the pair (an earlier suite may have this note's labels loaded from before).
    const api = await sidelight();
    await waitFor('the editor to read the conflict pair', async () => ((await api.getAnnotations(noteUri(PICKER_NOTE))).filter((s) => s.flags.includes('conflict')).length === 2 ? true : undefined));
    await runWithFirstLabel('sidelight.showConflicts');
    const saved = await waitFor('the resolved sidecar', async () => {
      const spans = await onDisk(PICKER_NOTE);
      return spans.length === 1 ? spans : undefined;
    });
    assert.deepEqual(saved[0].flags, []);
    assert.equal(saved[0].conflict, undefined);
    const open = await new ConflictScanner(vscode.workspace.workspaceFolders![0].uri.fsPath).scan();
    assert.equal(open.count, 0, `open conflicts: ${JSON.stringify(open.spans)}`);
  });

  test('"Adjust label boundaries" with no selection says so and changes nothing', async () => {
    await sidelight();
    const text = await fs.readFile(noteUri(ADJUST_NOTE).fsPath, 'utf8');
    const outer = stored(text, 'outer', 'ADE', at(text, 'History of depression'), { source: 'human', status: 'accepted' });
    const inner = stored(text, 'inner', 'DRUG', at(text, 'depression'), { source: 'human', status: 'accepted' });
    await writeSidecar(ADJUST_NOTE, [outer, inner]);
    await cursorIn(ADJUST_NOTE, 'depression');
    await waitFor('the labels loaded', async () => (await spansOf(ADJUST_NOTE)).length === 2);
    await runDismissingPicks('sidelight.adjustBoundaries');
    const after = await spansOf(ADJUST_NOTE);
    assert.deepEqual(after.map((s) => [s.id, [[s.start, s.end]]]).sort(), [
      ['inner', inner.fragments],
      ['outer', outer.fragments],
    ]);
  });

  test('"Adjust label boundaries" over overlapping labels asks which one, and moves only that one', async () => {
    const editor = await vscode.window.showTextDocument(noteUri(ADJUST_NOTE));
    const text = editor.document.getText();
    const [s, e] = at(text, 'of depression');
    editor.selection = new vscode.Selection(editor.document.positionAt(s), editor.document.positionAt(e));
    const before = await spansOf(ADJUST_NOTE);
    await runDismissingPicks('sidelight.adjustBoundaries');
    assert.deepEqual(await spansOf(ADJUST_NOTE), before, 'dismissed: nothing changed');
    // The first row is the innermost label: "depression", not "History of depression" which starts first.
    await runWithFirstLabel('sidelight.adjustBoundaries');
    const after = new Map((await spansOf(ADJUST_NOTE)).map((x) => [x.id, [x.start, x.end]]));
    assert.deepEqual(after.get('inner'), [s, e]);
    const outer = before.find((x) => x.id === 'outer')!;
    assert.deepEqual(after.get('outer'), [outer.start, outer.end]);
  });
});
