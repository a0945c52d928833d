import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll } from './api';

suite('activation', () => {
  // The note it opens is whichever the file search lists first (it differs between machines): closed after,
  // so that no later test finds it already open.
  teardown(closeAll);

  test('activates on a note and contributes its commands', async () => {
    const ext = vscode.extensions.getExtension('sidelight.sidelight');
    assert.ok(ext, 'the extension under development is present');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const notes = await vscode.workspace.findFiles('notes/*.txt');
    assert.ok(notes.length >= 20, `the demo workspace has its notes (found ${notes.length})`);
    await vscode.window.showTextDocument(notes[0]);
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.version, 'string');
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['sidelight.labelSelection', 'sidelight.sync', 'sidelight.openPanel']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });
});
