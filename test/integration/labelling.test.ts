import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { closeAll, noteUri, runWithFirstLabel, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes, type ScratchNote } from './scratchNotes';

const NOTE = 'orthopedic--knee-djd-consult-2195.txt';

function sidecarOf(name: string): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.sidelight', 'annotations', 'notes', `${name}.json`);
}

async function readSidecar(name: string): Promise<{ spans: { label: string; fragments: [number, number][]; quote: { text: string }; flags: string[] }[]; done: boolean } | undefined> {
  try {
    return JSON.parse(await fs.readFile(sidecarOf(name), 'utf8'));
  } catch {
    return undefined;
  }
}


function select(editor: vscode.TextEditor, word: string, from = 0): vscode.Selection {
  const text = editor.document.getText();
  const at = text.indexOf(word, from);
  assert.ok(at >= 0, `"${word}" is in the note`);
  return new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
}

/** The note with "Lisinopril" labelled, as "Label selection" leaves it (written before the note is opened). */
async function withLisinopril(note: ScratchNote): Promise<void> {
  const at = note.text.indexOf('Lisinopril');
  await writeSidecar(note.name, [stored(note.text, 'lisinopril', 'DRUG', [at, at + 'Lisinopril'.length], { source: 'human', status: 'accepted' })]);
}

suite('labelling', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('"Label selection" writes a sidecar with the span at the right offsets', async () => {
    await sidelight();
    const { name, uri } = await notes.copy(NOTE, 'label-selection');
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = select(editor, 'Lisinopril');
    await runWithFirstLabel('sidelight.labelSelection');
    const sidecar = await waitFor('the sidecar', async () => (await readSidecar(name))?.spans.length ? readSidecar(name) : undefined);
    const text = editor.document.getText();
    const [span] = sidecar.spans;
    assert.equal(text.slice(span.fragments[0][0], span.fragments[0][1]), 'Lisinopril');
    assert.equal(span.quote.text, 'Lisinopril');
  });

  test('a span follows an edit before it, and the saved sidecar has the new offsets', async () => {
    const api = await sidelight();
    const note = await notes.copy(NOTE, 'edit-before-span');
    const { name, uri } = note;
    await withLisinopril(note);
    const editor = await vscode.window.showTextDocument(uri);
    const before = (await api.getAnnotations(uri)).find((s) => s.text === 'Lisinopril');
    assert.ok(before, 'the label written before the note was opened');
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'Addendum: reviewed.\n'));
    const moved = (await api.getAnnotations(uri)).find((s) => s.id === before.id);
    assert.equal(moved?.start, before.start + 20);
    await editor.document.save();
    const sidecar = await waitFor('the saved sidecar', async () => {
      const s = await readSidecar(name);
      return s?.spans[0]?.fragments[0][0] === before.start + 20 ? s : undefined;
    });
    const onDisk = await fs.readFile(uri.fsPath, 'utf8');
    const [a, b] = sidecar.spans[0].fragments[0];
    assert.equal(onDisk.slice(a, b), 'Lisinopril');
  });

  test('two selections become one discontinuous entity; undo removes it', async () => {
    const api = await sidelight();
    const { uri } = await notes.copy(NOTE, 'discontinuous');
    const editor = await vscode.window.showTextDocument(uri);
    const first = select(editor, 'knee');
    const second = select(editor, 'pain', editor.document.offsetAt(first.end));
    editor.selections = [first, second];
    await runWithFirstLabel('sidelight.labelDiscontinuous');
    const spans = await api.getAnnotations(uri);
    const entity = spans.find((s) => s.fragments?.length === 2);
    assert.ok(entity, 'a span with two fragments');
    assert.equal(entity.text, 'knee pain');
    await vscode.commands.executeCommand('sidelight.undoLabel');
    assert.ok(!(await api.getAnnotations(uri)).some((s) => s.id === entity.id), 'undo removed it');
    await vscode.commands.executeCommand('sidelight.redoLabel');
    assert.ok((await api.getAnnotations(uri)).some((s) => s.id === entity.id), 'redo brought it back');
    await vscode.commands.executeCommand('sidelight.undoLabel');
  });

  test('a note changed outside the editor keeps its labels, re-anchored from their quotes', async () => {
    const api = await sidelight();
    const note = await notes.copy(NOTE, 'changed-outside');
    const { uri } = note;
    await withLisinopril(note);
    const before = (await api.getAnnotations(uri)).find((s) => s.text === 'Lisinopril');
    assert.ok(before);
    const text = await fs.readFile(uri.fsPath, 'utf8');
    await fs.writeFile(uri.fsPath, `EXTERNAL EDIT LINE\n\n${text}`);
    const after = await waitFor('re-anchoring', async () => {
      const s = (await api.getAnnotations(uri)).find((x) => x.id === before.id);
      return s && s.start === before.start + 20 ? s : undefined;
    });
    assert.equal(after.flags.includes('orphan'), false);
  });

  test('a malformed sidecar is reported and left untouched; other notes still label', async () => {
    const api = await sidelight();
    const { name: bad } = await notes.copy('neurology--arm-pain-neuro-consult-2972.txt', 'malformed-sidecar');
    await fs.mkdir(path.dirname(sidecarOf(bad)), { recursive: true });
    const broken = '{"schemaVersion": 1, "spans": [ {"id": 3 ';
    await fs.writeFile(sidecarOf(bad), broken);
    await assert.rejects(api.getAnnotations(noteUri(bad)), (e: Error) => e.message.includes(`${bad}.json`));
    const editor = await vscode.window.showTextDocument(noteUri(bad));
    editor.selection = select(editor, 'pain');
    await runWithFirstLabel('sidelight.labelSelection');
    assert.equal(await fs.readFile(sidecarOf(bad), 'utf8'), broken, 'the malformed file is not overwritten');
    const { name: other } = await notes.copy('pain-management--hip-injection-1985.txt', 'beside-malformed');
    const editor2 = await vscode.window.showTextDocument(noteUri(other));
    editor2.selection = select(editor2, 'hip');
    await runWithFirstLabel('sidelight.labelSelection');
    assert.ok((await api.getAnnotations(noteUri(other))).some((s) => s.text === 'hip'));
  });
});

suite('labelling: notes renamed and deleted', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('a note renamed in the workspace takes its sidecar along; a deleted one drops it', async () => {
    const api = await sidelight();
    const { name, uri } = await notes.copy('gastroenterology--gi-bleed-discharge-summary-3529.txt', 'rename');
    const editor = await vscode.window.showTextDocument(uri);
    const text = editor.document.getText();
    const word = text.match(/[A-Z][a-z]{5,}/)![0];
    editor.selection = select(editor, word);
    await runWithFirstLabel('sidelight.labelSelection');
    await waitFor('the sidecar', async () => (await readSidecar(name))?.spans.length);
    await closeAll();

    const renamed = noteUri('renamed-note.txt');
    notes.track(renamed); // deleted below; still there if the test fails before
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(uri, renamed);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const moved = await waitFor('the sidecar to move', async () => ((await readSidecar('renamed-note.txt'))?.spans.length ? true : undefined));
    assert.ok(moved);
    assert.equal(await readSidecar(name), undefined, 'no sidecar left at the old path');
    assert.ok((await api.getAnnotations(renamed)).some((s) => s.text === word));

    const del = new vscode.WorkspaceEdit();
    del.deleteFile(renamed);
    assert.ok(await vscode.workspace.applyEdit(del));
    await waitFor('the sidecar to go', async () => ((await readSidecar('renamed-note.txt')) === undefined ? true : undefined));
  });
});
