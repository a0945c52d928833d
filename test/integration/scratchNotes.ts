import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serializeSidecar, sha256 } from '../../src/core/annotations/sidecar';
import type { SyncSummary } from '../../src/vscode/sync/syncService';
import { closeAll, noteUri, sidecarFile, sidelight, waitFor } from './api';

/**
 * The notes a test labels, edits or saves: fresh copies of the demo workspace's notes, under names that no
 * other test uses, with no labels yet. The demo notes themselves are only read. After each test the copies
 * (and any file or folder the test hands to `track`) are deleted as a user deletes them, with a workspace
 * edit, which makes the extension drop their labels and sidecars; so a suite passes whatever ran before it
 * and leaves nothing that a later one sees.
 */
export interface ScratchNote {
  /** Its path below `notes/`, as noteUri, sidecarFile and writeSidecar take it. */
  name: string;
  uri: vscode.Uri;
  /** The note's text (that of the demo note it copies). */
  text: string;
}

export interface ScratchOptions {
  /**
   * The test syncs: after the deletions a sync pushes them to the remote (as tombstones), so that the
   * remote and a later sync hold nothing of this test's notes.
   */
  syncAfterDelete?: boolean;
}

/** Scratch notes for the tests of the current suite; deleted (with their labels) after each test. */
export function scratchNotes(options: ScratchOptions = {}): ScratchNotes {
  const notes = new ScratchNotes(options);
  teardown(() => notes.deleteAll());
  return notes;
}

export class ScratchNotes {
  private readonly made: vscode.Uri[] = [];

  constructor(private readonly options: ScratchOptions) {}

  /** A copy of the demo note `source` as `notes/<tag>--<source>`; `tag` names the test that uses it. */
  async copy(source: string, tag: string): Promise<ScratchNote> {
    const text = await fs.readFile(noteUri(source).fsPath, 'utf8');
    return this.create(`${tag}--${source}`, text);
  }

  /** A new note `notes/<name>` with `text`; fails if a note or sidecar of that name is there already. */
  async create(name: string, text: string): Promise<ScratchNote> {
    const uri = noteUri(name);
    assert.ok(!existsSync(sidecarFile(name)), `a sidecar of the scratch note notes/${name} is left from before`);
    await fs.mkdir(path.dirname(uri.fsPath), { recursive: true });
    // 'wx': a note of that name left from before would carry its labels into this test.
    await fs.writeFile(uri.fsPath, text, { flag: 'wx' });
    this.made.push(uri);
    return { name, uri, text };
  }

  /** A file or folder of the workspace that the test made (a renamed note, a folder of notes): deleted after it. */
  track(uri: vscode.Uri): void {
    this.made.push(uri);
  }

  /** Deletes every note (and folder) made or tracked since the last call, and their labels. */
  async deleteAll(): Promise<void> {
    await closeAll();
    const made = this.made.splice(0).reverse();
    for (const uri of made) await deleteWithLabels(uri);
    if (made.length && this.options.syncAfterDelete) {
      const summary = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
      assert.equal(summary.outcome, 'synced', `the sync after deleting the test's notes: ${summary.errors.join('\n')}`);
    }
  }
}

/**
 * Deletes a note (or a folder of notes) with a workspace edit, as the explorer does: the extension then
 * deletes its sidecar(s) and forgets its labels. Waits until that is done, so that no write of the
 * extension's can bring a sidecar back once the next test runs.
 */
async function deleteWithLabels(uri: vscode.Uri): Promise<void> {
  const api = await sidelight();
  const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const rel = path.relative(root, uri.fsPath).split(path.sep).join('/');
  const folder = existsSync(uri.fsPath) && (await fs.stat(uri.fsPath)).isDirectory();
  const sidecar = sidecarOf(rel) + (folder ? '' : '.json');
  // The extension deletes the labels of the notes that have a sidecar (or labels in memory) only: a note
  // with neither may still have a write of its sidecar pending (after an edit undone, say), which would
  // land after the deletion. An empty sidecar makes it take every note in, and settle it.
  const notes = !existsSync(uri.fsPath) ? [] : folder ? await filesBelow(uri.fsPath) : [uri.fsPath];
  for (const file of notes) {
    const noteRel = path.relative(root, file).split(path.sep).join('/');
    if (existsSync(`${sidecarOf(noteRel)}.json`)) continue;
    const text = await fs.readFile(file, 'utf8');
    await fs.mkdir(path.dirname(sidecarOf(noteRel)), { recursive: true });
    await fs.writeFile(`${sidecarOf(noteRel)}.json`, serializeSidecar({ schemaVersion: 1, note: noteRel, noteSha256: sha256(text), done: false, spans: [] }));
  }
  let dropped = false;
  const sub = api.onDidChangeAnnotations((u) => {
    if (u.fsPath === uri.fsPath || u.fsPath.startsWith(uri.fsPath + path.sep)) dropped = true;
  });
  try {
    const edit = new vscode.WorkspaceEdit();
    edit.deleteFile(uri, { recursive: true, ignoreIfNotExists: true });
    assert.ok(await vscode.workspace.applyEdit(edit), `deleting ${rel}`);
    await waitFor(`the labels of ${rel} to go with it`, () => !existsSync(uri.fsPath) && !existsSync(sidecar) && (notes.length === 0 || dropped));
  } finally {
    sub.dispose();
  }
}

/** Where the sidecar of the note (or the sidecars of the folder) `rel` is, without `.json`. */
function sidecarOf(rel: string): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.sidelight', 'annotations', ...rel.split('/'));
}

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * For a suite whose command writes into every note of the workspace (the workspace-wide Pre-annotate):
 * after each test, the sidecars that appeared during it are deleted, and the extension's labels of those
 * notes with them (it reads a deleted sidecar as no labels).
 */
export function deleteSidecarsEachTestAdds(): void {
  let before = new Set<string>();
  setup(async () => {
    before = new Set(await notesWithSidecars());
  });
  teardown(async () => {
    const api = await sidelight();
    const root = vscode.workspace.workspaceFolders![0].uri;
    for (const rel of await notesWithSidecars()) {
      if (before.has(rel)) continue;
      const uri = vscode.Uri.joinPath(root, ...rel.split('/'));
      await fs.rm(`${sidecarOf(rel)}.json`);
      await waitFor(`the labels of ${rel} to go with its sidecar`, async () => (await api.getAnnotations(uri)).length === 0);
    }
  });
}

/** The notes that have a sidecar, as workspace-relative paths. */
async function notesWithSidecars(): Promise<string[]> {
  const dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.sidelight', 'annotations');
  const files = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length).split(path.sep).join('/'));
}
