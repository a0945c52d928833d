import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { SidelightStatusBar } from '../statusBar';
import type { SyncStatusModel } from './syncStatusModel';
import { renderSyncItem, type SyncView } from './syncStatusView';

/** The `sync` status bar item: renders the sync-status model, nothing more. */
export class SyncStatusItem extends Disposable {
  constructor(
    private readonly statusBar: SidelightStatusBar,
    private readonly model: SyncStatusModel,
  ) {
    super();
    this._register(model.onDidChange(({ view }) => this.render(view)));
    this.render(model.snapshot.view);
  }

  private render(view: SyncView): void {
    const { text, tooltip } = renderSyncItem(view, vscode.l10n);
    this.statusBar.setSync(text, tooltip);
  }
}
