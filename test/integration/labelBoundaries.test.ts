import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, noteUri, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/** A label's edges stay on the guideline's boundaries when the text at them is rewritten in the editor. */

const SOURCE = 'surgery--cardiac-consult-cardioversion-1092.txt';

suite('labelling: boundaries after edits', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('text typed while the label is being picked moves the selection: the label lands on the words selected', async () => {
    const api = await sidelight();
    const { name, text } = await notes.copy(SOURCE, 'boundaries-typed-while-picking');
    const word = text.match(/\b[a-z]{7,}\b/)![0];
    const at = text.indexOf(word);
    const editor = await vscode.window.showTextDocument(noteUri(name));
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
    let finished = false;
    const labelling = Promise.resolve(vscode.commands.executeCommand('sidelight.labelSelection')).finally(() => (finished = true));
    await new Promise((r) => setTimeout(r, 500)); // the pick is open
    const top = new vscode.WorkspaceEdit();
    top.insert(noteUri(name), new vscode.Position(0, 0), 'TYPED WHILE PICKING\n');
    assert.ok(await vscode.workspace.applyEdit(top));
    for (let i = 0; i < 100 && !finished; i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 100));
    }
    await labelling;
    const spans = await api.getAnnotations(noteUri(name));
    assert.equal(spans.length, 1);
    assert.equal(editor.document.getText().slice(spans[0].start, spans[0].end), word);
  });

  test('pasting over a label\'s last letters with text that ends in a space leaves no trailing space in the label', async () => {
    const api = await sidelight();
    const { name, text } = await notes.copy(SOURCE, 'boundaries-trailing-space');
    const word = text.match(/\b[a-z]{6,}\b/)![0];
    const at = text.indexOf(word);
    await writeSidecar(name, [stored(text, 'edge', 'ADE', [at, at + word.length], { source: 'human', status: 'accepted' })]);
    const editor = await vscode.window.showTextDocument(noteUri(name));
    await waitFor('the label to load', async () => ((await api.getAnnotations(noteUri(name))).length === 1 ? true : undefined));
    // The last two letters replaced, in one edit (a paste over a selection), by themselves and a space.
    const doc = editor.document;
    const edge = new vscode.Range(doc.positionAt(at + word.length - 2), doc.positionAt(at + word.length));
    assert.ok(await editor.edit((b) => b.replace(edge, `${word.slice(-2)} `)));
    const [span] = await api.getAnnotations(noteUri(name));
    assert.equal(doc.getText().slice(span.start, span.end), word);
  });
});
