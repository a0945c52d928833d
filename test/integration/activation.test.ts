import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SidelightApi } from '../../src/vscode/sidelightExtension';
import { closeAll, waitFor } from './api';

suite('activation', () => {
  teardown(closeAll);

  test('in a labelling project the model starts at activation, before any note is opened', async () => {
    const ext = vscode.extensions.getExtension<SidelightApi>('sidelight.sidelight');
    assert.ok(ext, 'the extension under development is present');
    const folder = vscode.workspace.workspaceFolders![0];
    const api = await ext.activate();
    const notesOpen = vscode.workspace.textDocuments.filter((d) => d.uri.path.endsWith('.txt') && d.uri.scheme === 'file');
    assert.deepEqual(notesOpen.map((d) => d.uri.path), [], 'no note is open yet');
    // The demo workspace has .sidelight: the model loads (and warms up) without waiting for a note.
    const state = await waitFor('the model ready', () => {
      const s = api.getModelState(folder.uri);
      return s?.kind === 'ready' || s?.kind === 'error' ? s : undefined;
    }, 60_000);
    assert.equal(state.kind, 'ready', JSON.stringify(state));
  });

  test('activates on a note and contributes its commands', async () => {
    const ext = vscode.extensions.getExtension('sidelight.sidelight');
    assert.ok(ext, 'the extension under development is present');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const notes = await vscode.workspace.findFiles('notes/*.txt');
    assert.ok(notes.length >= 20, `the demo workspace has its notes (found ${notes.length})`);
    // A note no other suite uses, by name: the file search's first note differs between machines, and a
    // note loaded here would be loaded already when a later test writes its sidecar before opening it.
    const note = notes.find((n) => n.path.endsWith('/pediatrics-neonatal--school-physical-1-1899.txt'));
    assert.ok(note, 'the note this test opens is in the demo workspace');
    await vscode.window.showTextDocument(note);
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.version, 'string');
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['sidelight.labelSelection', 'sidelight.sync', 'sidelight.openPanel']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });
});
