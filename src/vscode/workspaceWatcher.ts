import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { BurstBatcher } from '../core/watch/burstBatcher';
import { WorkspaceChangeSet, type FileEventType } from '../core/watch/workspaceChanges';
import { Disposable } from './dispose';

/** A burst of file events is handed over once they stop this long (a sync writes many files at once)... */
const QUIET_MS = 200;
/** ...or this long after its first event when they never stop. */
const MAX_WAIT_MS = 2000;
/** How often the files that features ask to be polled are looked at, and how many per folder and tick. */
const POLL_MS = 2000;
const POLL_MAX = 500;

export interface FolderChanges {
  folder: vscode.WorkspaceFolder;
  changes: WorkspaceChangeSet;
}

/** Paths (relative to the folder, `/` separators) to stat-poll, most important first. */
export type PollList = (folder: vscode.WorkspaceFolder) => readonly string[];

/**
 * The extension's one file watcher: every file event in the workspace folders, classified
 * (src/core/watch/workspaceChanges.ts), folded per burst and handed to every feature as one change set
 * per folder. Files a feature asks for are also stat-polled, because the watcher can miss events
 * (code-server's drops some under a burst of writes, and may then report nothing for a while): a
 * changed stamp counts as a `changed` event, and so does the first look at a file (see pollOnce).
 */
export class WorkspaceWatcher extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<FolderChanges>());
  /** Fires once per folder and burst. */
  readonly onDidChange = this.changed.event;
  private readonly pollLists: PollList[] = [];
  /** Per folder and polled path: its mtime and size when last looked at. */
  private readonly stamps = new Map<string, string>();
  private readonly batcher = new BurstBatcher<Map<string, FolderChanges>>({
    quietMs: QUIET_MS,
    maxWaitMs: MAX_WAIT_MS,
    create: () => new Map(),
    flush: (batch) => {
      for (const change of batch.values()) if (!change.changes.isEmpty) this.changed.fire(change);
    },
  });

  constructor() {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*'));
    this._register(watcher.onDidCreate((uri) => this.record(uri, 'created')));
    this._register(watcher.onDidChange((uri) => this.record(uri, 'changed')));
    this._register(watcher.onDidDelete((uri) => this.record(uri, 'deleted')));
    this._register({ dispose: () => this.batcher.dispose() });
    const poll = setInterval(() => void this.pollOnce(), POLL_MS);
    this._register({ dispose: () => clearInterval(poll) });
  }

  /** Adds files to stat-poll (the list is asked for on each tick). */
  addPolled(list: PollList): vscode.Disposable {
    this.pollLists.push(list);
    return { dispose: () => this.pollLists.splice(this.pollLists.indexOf(list), 1) };
  }

  private record(uri: vscode.Uri, type: FileEventType): void {
    if (uri.scheme !== 'file') return;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    this.recordIn(folder, vscode.workspace.asRelativePath(uri, false).split('\\').join('/'), type);
  }

  private recordIn(folder: vscode.WorkspaceFolder, rel: string, type: FileEventType): void {
    this.batcher.add((batch) => {
      const key = folder.uri.toString();
      let change = batch.get(key);
      if (!change) batch.set(key, (change = { folder, changes: new WorkspaceChangeSet() }));
      change.changes.add(rel, type);
    });
  }

  private async pollOnce(): Promise<void> {
    if (!this.pollLists.length) return;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const paths = [...new Set(this.pollLists.flatMap((list) => list(folder)))].slice(0, POLL_MAX);
      const prefix = `${folder.uri.toString()}\u0000`;
      const polled = new Set(paths.map((rel) => prefix + rel));
      // Forget paths no longer asked for (a note closed and dropped), so the map stays as small as the lists.
      for (const key of this.stamps.keys()) if (key.startsWith(prefix) && !polled.has(key)) this.stamps.delete(key);
      for (const rel of paths) {
        let stamp = 'none';
        try {
          const st = await fs.stat(vscode.Uri.joinPath(folder.uri, ...rel.split('/')).fsPath);
          stamp = `${st.mtimeMs}:${st.size}`;
        } catch {
          // not there (yet): 'none'
        }
        const key = prefix + rel;
        const before = this.stamps.get(key);
        this.stamps.set(key, stamp);
        if (before === undefined) {
          // The first look at a path a feature just asked for (a note just loaded): a write between the
          // feature's own read and this look shows no change from here on, and the watcher may have dropped
          // its event, so a path that is there counts as changed once (the store's sha check makes that cheap).
          if (stamp !== 'none') this.recordIn(folder, rel, 'changed');
        } else if (before !== stamp) this.recordIn(folder, rel, stamp === 'none' ? 'deleted' : before === 'none' ? 'created' : 'changed');
      }
    }
  }
}
