import * as vscode from 'vscode';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import type { SyncService } from './syncService';

/** A save starts a sync this long after the last save, so "save all" or a burst of saves syncs once. */
export const ON_SAVE_DELAY_MS = 3000;

/**
 * The optional automatic syncs, both off by default: after a note or a file under `.sidelight/` is saved
 * (`sidelight.sync.onSave`), and every `sidelight.sync.interval` minutes. They run quietly (progress in the
 * status bar, a notification only for errors and conflicts) and never in restricted mode.
 */
export class AutoSync extends Disposable {
  private saveTimer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;

  constructor(
    private readonly sync: SyncService,
    private readonly config: ConfigurationService,
  ) {
    super();
    this._register(vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)));
    this._register(
      config.onDidChange((e) => {
        if (e?.affectsConfiguration('sidelight.sync.interval')) this.restartInterval();
      }),
    );
    this._register({
      dispose: () => {
        clearTimeout(this.saveTimer);
        clearInterval(this.interval);
      },
    });
    this.restartInterval();
  }

  private saved(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder || !this.config.for(folder).sync.onSave) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.sync.sync(false), ON_SAVE_DELAY_MS);
  }

  private restartInterval(): void {
    clearInterval(this.interval);
    this.interval = undefined;
    const minutes = this.config.for().sync.interval;
    if (!(minutes > 0)) return;
    // At least a minute apart: a sync of a large workspace must not be asked to start again before it ends.
    this.interval = setInterval(() => vscode.workspace.isTrusted && void this.sync.sync(false), Math.max(1, minutes) * 60_000);
  }
}
