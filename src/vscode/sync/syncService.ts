import * as vscode from 'vscode';
import type { AnnotationStore } from '../../core/annotations/annotationStore';
import { errorMessage } from '../../core/errors';
import { ConflictScanner, type OpenConflicts } from '../../core/sync/openConflicts';
import { SyncCancelledError, type Remote } from '../../core/sync/remote';
import { resolveRemote } from '../../core/sync/remoteConfig';
import { SyncEngine, type SyncProgress, type SyncStatus } from '../../core/sync/syncEngine';
import { addCounts, describeCounts, describeEvents, notesChangedOnDisk, syncCounts, ZERO_COUNTS, type SyncCounts } from '../../core/sync/syncReport';
import { SyncState } from '../../core/sync/syncState';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import { CommandIds } from '../commandIds';
import { count } from '../../core/plural';

/** What a sync of every workspace folder did: the CLI's `--json` counts plus the outcome and the errors. */
export interface SyncSummary extends SyncCounts {
  outcome: 'synced' | 'restricted' | 'noRemote' | 'cancelled' | 'failed';
  /** One message per file (or folder) that could not be synced, naming it. */
  errors: string[];
}

/** The part of the AnnotationService the sync needs: the editor's unsaved label changes and its stores. */
export interface AnnotationHost {
  flushAll(): Promise<void>;
  storeFor(folder: vscode.WorkspaceFolder): AnnotationStore;
}

export interface FolderStatus {
  folder: vscode.WorkspaceFolder;
  remote: string;
  status: SyncStatus;
  conflicts: OpenConflicts;
}

/**
 * Sync for the extension: per workspace folder, the remote from `.sidelight/config.json` with the
 * folder-scoped `sidelight.remote` setting overriding it; nothing at all in restricted mode (an untrusted
 * workspace never contacts a remote). One sync at a time: asking again while one runs joins it.
 */
export class SyncService extends Disposable {
  private readonly engine = new SyncEngine();
  private readonly scanners = new Map<string, ConflictScanner>();
  private running: Promise<SyncSummary> | undefined;
  private readonly runningChanged = this._register(new vscode.EventEmitter<boolean>());
  /** Fires true when a sync starts and false when it ends. */
  readonly onDidChangeRunning = this.runningChanged.event;

  constructor(
    private readonly annotations: AnnotationHost,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: ConfigurationService,
  ) {
    super();
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The folder's remote, or undefined when none is configured. Throws a config error naming the file. */
  async remoteFor(folder: vscode.WorkspaceFolder): Promise<Remote | undefined> {
    return resolveRemote(folder.uri.fsPath, { override: this.config.for(folder).remote || undefined });
  }

  conflictsOf(folder: vscode.WorkspaceFolder): Promise<OpenConflicts> {
    const key = folder.uri.toString();
    let scanner = this.scanners.get(key);
    if (!scanner) this.scanners.set(key, (scanner = new ConflictScanner(folder.uri.fsPath)));
    return scanner.scan();
  }

  /** What a sync would move, per folder with a remote; folders without one are left out. */
  async status(): Promise<FolderStatus[]> {
    if (!vscode.workspace.isTrusted) return [];
    const out: FolderStatus[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const remote = await this.remoteFor(folder);
      if (!remote) continue;
      try {
        const status = await this.engine.status({ workspaceDir: folder.uri.fsPath, remote });
        out.push({ folder, remote: remote.url, status, conflicts: await this.conflictsOf(folder) });
      } finally {
        remote.close();
      }
    }
    return out;
  }

  /**
   * Syncs every folder that has a remote. Interactive (the button, the command): a cancellable progress
   * notification and a report of what moved. Automatic (on save, on an interval): progress in the status
   * bar only, and a notification only for errors and new conflicts.
   */
  sync(interactive: boolean): Promise<SyncSummary> {
    if (!vscode.workspace.isTrusted) {
      if (interactive) void vscode.window.showWarningMessage(vscode.l10n.t('Sidelight: sync is off in restricted mode: an untrusted workspace never contacts the remote. Trust the workspace to sync.'));
      return Promise.resolve({ ...ZERO_COUNTS, outcome: 'restricted', errors: [] });
    }
    if (this.running) return this.running;
    const run = this.run(interactive).finally(() => {
      this.running = undefined;
      this.runningChanged.fire(false);
    });
    this.running = run;
    this.runningChanged.fire(true);
    return run;
  }

  private async run(interactive: boolean): Promise<SyncSummary> {
    const targets: { folder: vscode.WorkspaceFolder; remote: Remote }[] = [];
    const errors: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      try {
        const remote = await this.remoteFor(folder);
        if (remote) targets.push({ folder, remote });
      } catch (e) {
        errors.push(errorMessage(e));
      }
    }
    if (!targets.length) {
      const summary: SyncSummary = { ...ZERO_COUNTS, outcome: errors.length ? 'failed' : 'noRemote', errors };
      if (interactive) this.report(summary);
      return summary;
    }
    // Labels made in the editor are written ~250 ms later: write them now so this sync carries them.
    await this.annotations.flushAll();
    const controller = new AbortController();
    const title = vscode.l10n.t('Sidelight: syncing');
    const work = (progress: vscode.Progress<{ message?: string; increment?: number }>) => this.syncFolders(targets, errors, controller.signal, progress);
    const summary = interactive
      ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return work(progress);
        })
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, work);
    if (interactive || summary.errors.length || summary.conflicts) this.report(summary);
    return summary;
  }

  private async syncFolders(
    targets: { folder: vscode.WorkspaceFolder; remote: Remote }[],
    errors: string[],
    signal: AbortSignal,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
  ): Promise<SyncSummary> {
    let counts = ZERO_COUNTS;
    let cancelled = false;
    for (const { folder, remote } of targets) {
      const where = targets.length > 1 ? `${folder.name}: ` : '';
      let reported = 0;
      const onProgress = (p: SyncProgress) => {
        const share = 100 / targets.length;
        const fraction = p.phase === 'files' && p.total ? (p.done / p.total) * share * 0.9 : 0;
        const increment = fraction > reported ? fraction - reported : undefined;
        if (increment) reported = fraction;
        progress.report({ message: `${where}${progressMessage(p)}`, increment });
      };
      // Notes whose labels change in the editor while this sync runs (see forgetRacedNotes).
      const touched = new Set<string>();
      const unwatch = this.annotations.storeFor(folder).onDidChange(({ note, reason }) => reason !== 'load' && touched.add(note));
      try {
        this.log.info(`sync ${folder.uri.fsPath} ⇄ ${remote.url}`);
        const result = await this.engine.sync({ workspaceDir: folder.uri.fsPath, remote, signal, onProgress });
        unwatch();
        counts = addCounts(counts, syncCounts(result));
        for (const e of result.errors) errors.push(`${where}${e}`);
        for (const line of describeEvents(result.events)) this.log.info(`${where}${line}`);
        await this.afterPull(folder, remote.url, notesChangedOnDisk(result.events), touched);
        this.log.info(`sync ${folder.name}: ${describeCounts(syncCounts(result))}; ${result.unchanged} unchanged; ${count(result.errors.length, 'error')}`);
      } catch (e) {
        if (e instanceof SyncCancelledError || signal.aborted) {
          cancelled = true;
          break;
        }
        errors.push(`${where}${errorMessage(e)}`);
      } finally {
        unwatch();
        remote.close();
      }
    }
    for (const e of errors) this.log.error(`sync: ${e}`);
    return { ...counts, outcome: cancelled ? 'cancelled' : errors.length ? 'failed' : 'synced', errors };
  }

  /**
   * The sync rewrote these notes' sidecars on disk: reload them so the editor shows the pulled labels.
   * A note whose labels changed in the editor meanwhile (unsaved, or written by the store during the sync)
   * is not reloaded, since that would drop the editor's change; instead its sync record is forgotten, so the
   * next sync merges the two versions without a base, which keeps every span of both (nothing is lost;
   * a span deleted on one side may come back and can be deleted again).
   */
  private async afterPull(folder: vscode.WorkspaceFolder, remoteUrl: string, notes: string[], touched: Set<string>): Promise<void> {
    if (!notes.length) return;
    const store = this.annotations.storeFor(folder);
    const pending = new Set(store.pendingNotes());
    const raced: string[] = [];
    for (const note of notes) {
      if (pending.has(note) || touched.has(note)) {
        raced.push(note);
        continue;
      }
      try {
        await store.reload(note);
        const uri = vscode.Uri.joinPath(folder.uri, ...note.split('/'));
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        // Re-anchors the pulled spans if they were labelled on a different version of the note.
        if (doc && !doc.isDirty) await store.open(note, doc.getText());
      } catch (e) {
        this.log.warn(`reloading the labels of ${note} after the sync failed: ${errorMessage(e)}`);
      }
    }
    if (raced.length) {
      await forgetSyncRecords(folder.uri.fsPath, remoteUrl, raced.map((n) => `annotations/${n}.json`));
      this.log.warn(`sync: ${raced.join(', ')} changed in the editor during the sync; the next sync merges them again`);
    }
  }

  private report(s: SyncSummary): void {
    // The buttons are compared by their (translated) titles: the answer is the title of the button clicked.
    const showConflicts = vscode.l10n.t('Show conflicts');
    const showLog = vscode.l10n.t('Show log');
    const onChoice = (choice: string | undefined) => {
      if (choice === showConflicts) void vscode.commands.executeCommand(CommandIds.showConflicts);
      if (choice === showLog) this.log.show(true);
    };
    // Never awaited: the sync is over whether or not anyone reads the notification.
    if (s.outcome === 'noRemote') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Sidelight: no remote configured. Set "remote" (s3://bucket/prefix or file:///path) in .sidelight/config.json or the sidelight.remote setting.'),
      );
    } else if (s.outcome === 'cancelled') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Sidelight: sync cancelled ({0} so far); every file is written whole or not at all — sync again to finish.', describeCounts(s, 0, vscode.l10n)),
      );
    } else if (s.errors.length) {
      const first = s.errors[0];
      const message =
        s.errors.length > 1
          ? vscode.l10n.t('Sidelight: sync {0}; could not sync {1} (and {2} more)', describeCounts(s, 0, vscode.l10n), first, s.errors.length - 1)
          : vscode.l10n.t('Sidelight: sync {0}; could not sync {1}', describeCounts(s, 0, vscode.l10n), first);
      void vscode.window.showWarningMessage(message, showLog, ...(s.conflicts ? [showConflicts] : [])).then(onChoice);
    } else if (s.conflicts) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Sidelight: synced {0} — both versions kept', describeCounts(s, 0, vscode.l10n)), showConflicts).then(onChoice);
    } else {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: synced {0}', describeCounts(s, 0, vscode.l10n)));
    }
  }
}

function progressMessage(p: SyncProgress): string {
  if (p.phase === 'listing') return vscode.l10n.t('listing the remote…');
  if (p.phase === 'model') return vscode.l10n.t('fetching the pinned model…');
  return p.phase === 'files' ? vscode.l10n.t('{0}/{1} files', p.done, p.total) : vscode.l10n.t('{0}/{1} notes', p.done, p.total);
}

/** Drops the last-sync record (state entry and merge base) of `keys`: the next sync merges them afresh. */
export async function forgetSyncRecords(workspaceDir: string, remoteUrl: string, keys: string[]): Promise<void> {
  const state = await SyncState.load(workspaceDir, remoteUrl);
  for (const key of keys) {
    state.set(key, undefined);
    await state.writeBase(key, undefined);
  }
  await state.save();
}
