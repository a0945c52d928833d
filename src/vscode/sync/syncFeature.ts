import * as vscode from 'vscode';
import { CommandIds } from '../commandIds';
import type { ConfigurationService } from '../configuration';
import type { WorkspaceWatcher } from '../workspaceWatcher';
import { Disposable } from '../dispose';
import type { AnnotationService } from '../labelling/annotationService';
import type { SidelightStatusBar } from '../statusBar';
import { AutoSync } from './autoSync';
import { showConflicts } from './showConflicts';
import { SyncService, type SyncSummary } from './syncService';
import { SyncStatusItem } from './syncStatusItem';
import { SyncStatusModel } from './syncStatusModel';

/**
 * The sync button put together: the service, the sync-status model and its status bar item, the
 * automatic syncs and the two commands. `sidelight.sync` returns the SyncSummary, so tests and other extensions can await it.
 */
export class SyncFeature extends Disposable {
  readonly service: SyncService;
  /** The one sync-status model, rendered by the status bar item and the panel. */
  readonly status: SyncStatusModel;

  constructor(
    statusBar: SidelightStatusBar,
    annotations: AnnotationService,
    log: vscode.LogOutputChannel,
    config: ConfigurationService,
    watcher: WorkspaceWatcher,
    registerCommand: (id: string, handler: (...args: never[]) => unknown) => void,
  ) {
    super();
    this.service = this._register(new SyncService(annotations, log, config));
    this.status = this._register(new SyncStatusModel(this.service, log, annotations, config, watcher));
    this._register(new SyncStatusItem(statusBar, this.status));
    this._register(new AutoSync(this.service, config));
    registerCommand(CommandIds.sync, (): Promise<SyncSummary> => this.service.sync(true));
    registerCommand(CommandIds.showConflicts, () => showConflicts(this.service, annotations));
  }
}
