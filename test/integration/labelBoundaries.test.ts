import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { closeAll, noteUri, sidelight, stored, waitFor, writeSidecar } from './api';

/** A label's edges stay on the guideline's boundaries when the text at them is rewritten in the editor. */

const SOURCE = 'surgery--cardiac-consult-cardioversion-1092.txt';

suite('labelling: boundaries after edits', () => {
  teardown(closeAll);

  test('pasting over a label\'s last letters with text that ends in a space leaves no trailing space in the label', async () => {
    const api = await sidelight();
    const name = 'boundaries-trailing-space.txt';
    const text = await fs.readFile(noteUri(SOURCE).fsPath, 'utf8');
    await fs.writeFile(noteUri(name).fsPath, text);
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
