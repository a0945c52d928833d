import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, noteUri, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * The row menu of *Labels in this note*: VS Code passes the row itself to the command, so an orphan can be
 * re-attached to the selection and any label removed from its row (the panel points there for orphans).
 */
const SOURCE = 'dermatology--acne-vulgaris-h-p-4033.txt';

suite('labels list rows', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('an orphan\'s row re-attaches it to the selection, and a row removes its label', async () => {
    const api = await sidelight();
    const { name: note, text } = await notes.copy(SOURCE, 'orphan-rows');
    const word = 'acne';
    const at = text.indexOf(word);
    assert.ok(at >= 0);
    // An orphan as an outside edit leaves it: its words gone, kept with its last quote.
    await writeSidecar(note, [stored(text, 'lost', 'ADE', [at, at + word.length], { status: 'accepted', source: 'human', flags: ['orphan'] })]);
    const editor = await vscode.window.showTextDocument(noteUri(note));
    await waitFor('the orphan loaded', async () => (await api.getAnnotations(noteUri(note))).some((s) => s.id === 'lost'));
    const start = text.indexOf('the', at + 50);
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(start + 3));
    // The row, as VS Code passes it from the view's item menu.
    const row = { span: { id: 'lost' }, uri: noteUri(note) };
    await vscode.commands.executeCommand('sidelight.adjustBoundaries', row);
    const moved = (await api.getAnnotations(noteUri(note))).find((s) => s.id === 'lost');
    assert.ok(moved);
    assert.deepEqual([moved.start, moved.end, moved.text], [start, start + 3, 'the']);
    assert.equal(moved.flags?.includes('orphan') ?? false, false);
    await vscode.commands.executeCommand('sidelight.removeLabel', row);
    assert.deepEqual((await api.getAnnotations(noteUri(note))).map((s) => s.id), []);
  });
});
