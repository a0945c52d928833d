import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { makeQuote, parseSidecar, serializeSidecar, sha256, type Fragment, type Sidecar } from '../../src/core/annotations/sidecar';
import { closeAll, noteUri, runWithFirstLabel, sidecarFile, sidelight, waitFor } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * A sidecar rewritten outside the editor while its note is open (`sidelight sync`, `git pull` or
 * `sidelight import` in a terminal): the editor shows the new labels, and its next label does not write
 * its stale copy over them.
 */

const NOTE = 'pediatrics-neonatal--sports-physical-2-1901.txt';

async function readSidecar(name: string): Promise<Sidecar | undefined> {
  try {
    return parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), sidecarFile(name));
  } catch {
    return undefined;
  }
}

/** Creates the folder if missing and waits until VS Code's file watcher has reported it. */
async function mkdirSeen(dir: string): Promise<void> {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
  try {
    const seen = new Promise<void>((resolve) => watcher.onDidCreate((uri) => uri.fsPath === dir && resolve()));
    try {
      await fs.mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw e;
    }
    await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))]);
  } finally {
    watcher.dispose();
  }
}

function rangeOf(text: string, word: string): Fragment {
  const at = text.indexOf(word);
  assert.ok(at >= 0, `"${word}" is in the note`);
  return [at, at + word.length];
}

suite('labelling: sidecars written outside the editor', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('a span a sync writes into an open note\'s sidecar is shown at once, and labelling again keeps it', async () => {
    const api = await sidelight();
    const { name, uri } = await notes.copy(NOTE, 'external-sidecar');
    // As in a repository with labels committed, `.sidelight/annotations/notes/` exists. (Created here in one
    // go, as the first label's write does, VS Code's watcher can miss the inner folder and every event in it.)
    const annotations = path.dirname(path.dirname(sidecarFile(name)));
    await mkdirSeen(annotations);
    await mkdirSeen(path.join(annotations, 'notes'));
    const editor = await vscode.window.showTextDocument(uri);
    const text = editor.document.getText();
    const selectWord = (word: string) => {
      const [a, b] = rangeOf(text, word);
      editor.selection = new vscode.Selection(editor.document.positionAt(a), editor.document.positionAt(b));
    };
    const covered = (spans: readonly { fragments: Fragment[] }[]) => spans.map((s) => text.slice(s.fragments[0][0], s.fragments[0][1])).sort();

    selectWord('Advair');
    await runWithFirstLabel('sidelight.labelSelection');
    const mine = await waitFor('the first label on disk', async () => ((await readSidecar(name))?.spans.length === 1 ? readSidecar(name) : undefined));

    // What `sidelight sync` in a terminal leaves: the teammate's span merged into the file.
    const fragments: Fragment[] = [rangeOf(text, 'Flonase')];
    const theirs = { ...mine.spans[0], id: 'teammate-span-flonase', label: 'DRUG', fragments, quote: makeQuote(text, fragments), author: 'bo' };
    await fs.writeFile(sidecarFile(name), serializeSidecar({ ...mine, spans: [...mine.spans, theirs] }));
    await waitFor('the editor to read the pulled label', async () => ((await api.getAnnotations(uri)).some((s) => s.id === theirs.id) ? true : undefined));

    selectWord('Claritin');
    await runWithFirstLabel('sidelight.labelSelection');
    const onDisk = await waitFor('the new label on disk', async () => {
      const sidecar = await readSidecar(name);
      return sidecar && covered(sidecar.spans).includes('Claritin') ? sidecar : undefined;
    });
    assert.deepEqual(covered(onDisk.spans), ['Advair', 'Claritin', 'Flonase'], 'the teammate\'s label is still in the file');
    assert.ok(onDisk.spans.every((s) => !s.flags.includes('conflict')));
    const shown = await api.getAnnotations(uri);
    assert.deepEqual(shown.map((s) => s.text).sort(), ['Advair', 'Claritin', 'Flonase']);
  });

  test('a sidecar that arrives with its folders (created in one go, as by a pull) is shown too', async () => {
    const api = await sidelight();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // A note in folders that have no sidecar folders yet: its sidecar's two folders appear at once.
    const folder = `arrived-${Date.now()}`;
    const text = await fs.readFile(noteUri(NOTE).fsPath, 'utf8');
    const { uri } = await notes.create(`${folder}/deep/note.txt`, text);
    notes.track(noteUri(folder));
    const rel = `notes/${folder}/deep/note.txt`;
    await vscode.window.showTextDocument(uri);
    assert.deepEqual(await api.getAnnotations(uri), [], 'loaded, no labels yet');

    const fragments: Fragment[] = [rangeOf(text, 'Flonase')];
    const now = new Date().toISOString();
    const span = { id: 'pulled-flonase', label: 'DRUG', fragments, quote: makeQuote(text, fragments), source: 'human' as const, status: 'accepted' as const, flags: [], author: 'bo', createdAt: now, updatedAt: now };
    const file = path.join(root, '.sidelight', 'annotations', `${rel}.json`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, serializeSidecar({ schemaVersion: 1, note: rel, noteSha256: sha256(text), done: false, spans: [span] }));
    await waitFor('the editor to read the pulled label', async () => ((await api.getAnnotations(uri)).some((s) => s.id === span.id) ? true : undefined));
  });
});
