import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { closeAll, sidecarFile, sidelight } from './api';
import { scratchNotes } from './scratchNotes';

interface Keybinding {
  key: string;
  command: string;
  when?: string;
}

/** Every keybinding this platform has by default (VS Code's and the extensions'), as "Open Default Keyboard Shortcuts (JSON)" lists them. */
async function defaultKeybindings(): Promise<Keybinding[]> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('vscode://defaultsettings/keybindings.json'));
  const rows: Keybinding[] = [];
  for (const m of doc.getText().matchAll(/\{\s*"key":\s*"([^"]+)",\s*"command":\s*"([^"]+)"(?:,\s*"when":\s*"((?:[^"\\]|\\.)*)")?/g)) rows.push({ key: m[1], command: m[2], when: m[3] });
  return rows;
}

suite('labelling shortcuts', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('"Mark note done / not done", "Adjust label boundaries", "Label all occurrences", "Link to…" and "Set attribute…" have keybindings that nothing else uses', async () => {
    await sidelight();
    const rows = await defaultKeybindings();
    assert.ok(rows.length > 100, `the default keybindings were read (${rows.length})`);
    for (const command of ['sidelight.markDone', 'sidelight.adjustBoundaries', 'sidelight.labelAllOccurrences', 'sidelight.linkTo', 'sidelight.setAttribute']) {
      const own = rows.filter((r) => r.command === command);
      assert.equal(own.length, 1, `${command} has a keybinding`);
      const clashes = rows.filter((r) => r.key === own[0].key && r.command !== command);
      assert.deepEqual(clashes, [], `${own[0].key} is used by nothing else`);
    }
  });

  test('"Mark note done / not done" says which way it went, and toggles the sidecar\'s done flag', async () => {
    await sidelight();
    const { name, uri } = await notes.copy('nephrology--nephrology-consultation-1-2997.txt', 'mark-done');
    await vscode.window.showTextDocument(uri);
    const sidecar = sidecarFile(name);
    const first = await vscode.commands.executeCommand<{ done: boolean; message: string } | undefined>('sidelight.markDone');
    assert.equal(first?.done, true);
    assert.match(first.message, /is now marked done/);
    const second = await vscode.commands.executeCommand<{ done: boolean; message: string } | undefined>('sidelight.markDone');
    assert.equal(second?.done, false);
    assert.match(second.message, /is now marked NOT done \(it was done\)/);
    // The sidecar on disk follows (written after a short delay).
    for (let i = 0; i < 100; i++) {
      const onDisk = await fs.readFile(sidecar, 'utf8').then((t) => JSON.parse(t) as { done: boolean }, () => undefined);
      if (onDisk?.done === false) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the sidecar says done: false');
  });
});
