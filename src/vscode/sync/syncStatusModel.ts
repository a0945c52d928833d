import * as vscode from 'vscode';
import type { AnnotationStore, ChangeReason } from '../../core/annotations/annotationStore';
import { errorMessage } from '../../core/errors';
import { pendingOf } from '../../core/sync/syncReport';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import type { WorkspaceWatcher } from '../workspaceWatcher';
import type { FolderStatus, SyncService } from './syncService';
import type { SyncView } from './syncStatusView';

/** Status checks wait this long after the last change, so a burst of label writes costs one check. */
export const STATUS_DEBOUNCE_MS = 2000;

/**
 * Labelling actions (not keystrokes, not reads) that change what a sync would send or which conflicts are
 * open. The file watcher also reports the sidecar they write, but it can miss some writes.
 */
const LABELLING: ReadonlySet<ChangeReason> = new Set<ChangeReason>(['label', 'undo', 'redo', 'saved', 'merge', 'move', 'delete']);

/** The sync state every view renders: the status bar item's summary and each folder's details. */
export interface SyncSnapshot {
  view: SyncView;
  /** Per folder with a remote, from the last status check (empty before it, or when it failed). */
  folders: readonly FolderStatus[];
}

/**
 * The one sync-status model: pending ↑/↓ from `SyncEngine.status()` (re-checked, debounced, when the
 * project's files change, after labelling actions, when the window regains focus, and after each sync),
 * syncing, open conflicts, restricted mode, no remote. Never more than one status check at a time: a
 * change during a check schedules exactly one more. The status bar item and the panel both render it.
 */
export class SyncStatusModel extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private current: SyncSnapshot = { view: { kind: 'unknown', remotes: [] }, folders: [] };
  private readonly watchedStores = new Set<AnnotationStore>();
  private readonly changed = this._register(new vscode.EventEmitter<SyncSnapshot>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly sync: SyncService,
    private readonly log: vscode.LogOutputChannel,
    private readonly annotations: { storeFor(folder: vscode.WorkspaceFolder): AnnotationStore },
    config: ConfigurationService,
    watcher: WorkspaceWatcher,
  ) {
    super();
    this.watchStores();
    // The sync's own caches change on every sync and are not in `project`: they say nothing about what is pending.
    this._register(watcher.onDidChange(({ changes }) => changes.project && this.schedule()));
    this._register(config.onDidChange((e) => (!e || e.affectsConfiguration('sidelight.remote')) && this.schedule(0)));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(0)));
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchStores();
        this.schedule(0);
      }),
    );
    this._register(vscode.window.onDidChangeWindowState((s) => s.focused && this.schedule()));
    this._register(
      sync.onDidChangeRunning((running) => {
        if (running) this.show({ view: { kind: 'syncing' }, folders: this.current.folders });
        else this.schedule(0);
      }),
    );
    this._register({ dispose: () => clearTimeout(this.timer) });
    this.schedule(0);
  }

  /** The state now. */
  get snapshot(): SyncSnapshot {
    return this.current;
  }

  /** Re-checks after `delayMs` of quiet (restarting the wait on each call). */
  schedule(delayMs = STATUS_DEBOUNCE_MS): void {
    if (this.isDisposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), delayMs);
  }

  /** Each folder's labelling actions schedule a check (once per store). */
  private watchStores(): void {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const store = this.annotations.storeFor(folder);
      if (this.watchedStores.has(store)) continue;
      this.watchedStores.add(store);
      const unsubscribe = store.onDidChange(({ reason }) => LABELLING.has(reason) && this.schedule());
      this._register({ dispose: unsubscribe });
    }
  }

  private show(snapshot: SyncSnapshot): void {
    this.current = snapshot;
    this.changed.fire(snapshot);
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    if (!vscode.workspace.isTrusted) return this.show({ view: { kind: 'restricted' }, folders: [] });
    if (this.sync.isRunning) return; // the end of the sync schedules a check
    this.checking = true;
    try {
      const snapshot = await this.compute();
      // A sync that started meanwhile owns the state until it ends (then it checks again).
      if (!this.sync.isRunning) this.show(snapshot);
    } finally {
      this.checking = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async compute(): Promise<SyncSnapshot> {
    try {
      const folders = await this.sync.status();
      if (!folders.length) return { view: { kind: 'noRemote' }, folders };
      let up = 0;
      let down = 0;
      let conflicts = 0;
      let modelMissing = false;
      for (const f of folders) {
        const p = pendingOf(f.status);
        up += p.up;
        down += p.down;
        modelMissing ||= p.modelMissing;
        conflicts += f.conflicts.count;
        for (const e of [...f.status.errors, ...f.conflicts.errors]) this.log.warn(`sync status: ${e}`);
      }
      return { view: { kind: 'ready', remotes: folders.map((f) => f.remote), up, down, conflicts, modelMissing }, folders };
    } catch (e) {
      // Offline, bad credentials, a malformed config.json: say so; a click still tries.
      this.log.warn(`sync status: ${errorMessage(e)}`);
      return { view: { kind: 'error', message: errorMessage(e) }, folders: [] };
    }
  }
}
