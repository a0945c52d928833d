import * as vscode from 'vscode';
import type { AnnotationStore, ChangeReason } from '../../core/annotations/annotationStore';
import { errorMessage } from '../../core/errors';
import type { ConfigurationService } from '../configuration';
import type { WorkspaceWatcher } from '../workspaceWatcher';
import { pendingOf } from '../../core/sync/syncReport';
import { Disposable } from '../dispose';
import type { SidelightStatusBar } from '../statusBar';
import type { SyncService } from './syncService';
import { renderSyncItem, type SyncView } from './syncStatusView';

/** Status checks wait this long after the last change, so a burst of label writes costs one check. */
export const STATUS_DEBOUNCE_MS = 2000;

/**
 * Labelling actions (not keystrokes, not reads) that change what a sync would send or which conflicts are
 * open. The file watcher also reports the sidecar they write, but code-server's watcher misses some
 * writes (a resolved conflict stayed in the status bar in 1 of 3 e2e runs).
 */
const LABELLING: ReadonlySet<ChangeReason> = new Set<ChangeReason>(['label', 'undo', 'redo', 'saved', 'merge', 'move', 'delete']);

/**
 * Keeps the `sync` status bar item true: pending ↑/↓ from `SyncEngine.status()` (re-checked, debounced,
 * when sidecars, labels.json, the lock or the config change, when the window regains focus, and after each
 * sync), a spinner while syncing, open conflicts, restricted mode, no remote. Never more than one status
 * check at a time: a change during a check schedules exactly one more.
 */
export class SyncStatusItem extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private last: SyncView = { kind: 'unknown', remotes: [] };
  private readonly watchedStores = new Set<AnnotationStore>();

  constructor(
    private readonly statusBar: SidelightStatusBar,
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
    this._register(
      config.onDidChange((e) => {
        if (!e || e.affectsConfiguration('sidelight.remote')) this.schedule(0);
      }),
    );
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
        if (running) this.show({ kind: 'syncing' });
        else this.schedule(0);
      }),
    );
    this._register({ dispose: () => clearTimeout(this.timer) });
    this.schedule(0);
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

  /** The view shown now (for tests and the log). */
  get view(): SyncView {
    return this.last;
  }

  /** Re-checks after `delayMs` of quiet (restarting the wait on each call). */
  schedule(delayMs = STATUS_DEBOUNCE_MS): void {
    if (this.isDisposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), delayMs);
  }

  private show(view: SyncView): void {
    this.last = view;
    const { text, tooltip } = renderSyncItem(view);
    this.statusBar.setSync(text, tooltip);
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    if (!vscode.workspace.isTrusted) return this.show({ kind: 'restricted' });
    if (this.sync.isRunning) return; // the end of the sync schedules a check
    this.checking = true;
    try {
      const view = await this.compute();
      // A sync that started meanwhile owns the item until it ends (then it checks again).
      if (!this.sync.isRunning) this.show(view);
    } finally {
      this.checking = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async compute(): Promise<SyncView> {
    try {
      const folders = await this.sync.status();
      if (!folders.length) return { kind: 'noRemote' };
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
      return { kind: 'ready', remotes: folders.map((f) => f.remote), up, down, conflicts, modelMissing };
    } catch (e) {
      // Offline, bad credentials, a malformed config.json: say so in the tooltip; a click still tries.
      this.log.warn(`sync status: ${errorMessage(e)}`);
      return { kind: 'error', message: errorMessage(e) };
    }
  }
}
