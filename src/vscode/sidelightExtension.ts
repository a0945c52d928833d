import * as path from 'node:path';
import * as vscode from 'vscode';
import { exists } from '../core/fs/exists';
import { Span } from '../core/span';
import { CommandIds } from './commandIds';
import { ConfigurationService } from './configuration';
import { WorkspaceWatcher } from './workspaceWatcher';
import { wrapCommand } from './commands/runCommand';
import { Disposable } from './dispose';
import { DrawnSpan, HighlightController } from './highlights/highlightController';
import { ModelService, ModelState } from './highlights/modelService';
import { ModelStatus } from './highlights/modelStatus';
import { isNote } from './highlights/noteFilter';
import { SpanHoverProvider } from './highlights/spanHover';
import { AnnotatedSpan, toAnnotatedSpan } from './labelling/annotatedSpan';
import { AnnotationService } from './labelling/annotationService';
import { LabellingFeature } from './labelling/labellingFeature';
import { LabelSchemaService } from './labelSchemaService';
import { createLog } from './log';
import { PanelViewProvider } from './panel/panelViewProvider';
import { WorkspacePanelDataSource } from './panel/workspacePanelDataSource';
import { SidelightStatusBar } from './statusBar';
import { SyncFeature } from './sync/syncFeature';
import { pushModelCommand, trainModelCommand, useModelCommand } from './training/trainModelCommands';
import { WelcomeFeature } from './welcome/welcomeFeature';

export type { AnnotatedSpan };

/** What `activate()` returns to tests and other extensions. */
export interface SidelightApi {
  readonly version: string;
  /** The model's predictions for a note, open or closed (UTF-16 offsets on the text as saved or edited). */
  getPredictions(uri: vscode.Uri): Promise<Span[]>;
  /** The note's labels (accepted, suggested and rejected), with their review status and source. */
  getAnnotations(uri: vscode.Uri): Promise<AnnotatedSpan[]>;
  /** The model state of the folder holding `uri`. */
  getModelState(uri: vscode.Uri): ModelState | undefined;
  /** Fires when a note's highlights were redrawn after the model ran. */
  onDidUpdateHighlights: vscode.Event<vscode.Uri>;
  /** Fires with a note's uri when its labels changed (labelled, removed, moved by an edit, reloaded). */
  onDidChangeAnnotations: vscode.Event<vscode.Uri>;
  /** Read-only views of the editor's drawing, for the tests and benchmarks: not a contract for other extensions. */
  readonly testing: {
    /** The predictions drawn in an open note right now (shifted by edits since the model last ran). */
    getDisplayedPredictions(uri: vscode.Uri): Span[];
    /** ms from the idle timer firing to the decorations set, in the note's last model run. */
    getHighlightTiming(uri: vscode.Uri): number | undefined;
    /** The spans drawn in an open note by its last render, with their look (human, absent, predicted…). */
    getDrawnSpans(uri: vscode.Uri): readonly DrawnSpan[];
  };
}

/** The whole extension as one disposable object: `activate()` builds it and returns its API. */
export class SidelightExtension extends Disposable {
  private readonly log = this._register(createLog());
  private readonly statusBar = this._register(new SidelightStatusBar());
  private readonly config = this._register(new ConfigurationService());
  private readonly watcher = this._register(new WorkspaceWatcher());
  private readonly labels = this._register(new LabelSchemaService(this.log, this.watcher));
  private readonly models: ModelService;
  private readonly highlights: HighlightController;
  readonly api: SidelightApi;
  private readonly annotations: AnnotationService;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    // The model loads in a worker thread, started just after activation (warmModels) or by the first note.
    this.models = this._register(new ModelService(context.extensionPath, this.log, this.config, this.watcher));
    this.highlights = this._register(new HighlightController(this.models, this.labels, this.log, this.config));
    this._register(new ModelStatus(this.statusBar, this.models, this.highlights, this.labels, this.log));
    const annotations = this._register(new AnnotationService(this.log, this.config, this.watcher));
    this.annotations = annotations;
    this._register(new LabellingFeature(annotations, this.labels, this.highlights, this.models, this.log, this.config, (id, h) => this.registerCommand(id, h)));
    this._register(vscode.languages.registerHoverProvider({ scheme: 'file' }, new SpanHoverProvider(this.highlights, annotations, this.labels)));

    this.registerCommand(CommandIds.showLog, () => this.log.show(true));
    // Sync: the status bar button, `sidelight.sync` (returns a SyncSummary), conflicts, auto-sync.
    const sync = this._register(new SyncFeature(this.statusBar, annotations, this.log, this.config, this.watcher, (id, h) => this.registerCommand(id, h)));
    // `<view id>.focus` is the command VS Code makes for every view.
    this.registerCommand(CommandIds.openPanel, () => vscode.commands.executeCommand(`${PanelViewProvider.viewId}.focus`));
    // The panel: the labelling project at a glance, rendered from the same services as every other view.
    const panelData = this._register(
      new WorkspacePanelDataSource({ annotations, labels: this.labels, models: this.models, syncStatus: sync.status, config: this.config, watcher: this.watcher, log: this.log }),
    );
    const panel = this._register(new PanelViewProvider(context.extensionUri, panelData, this.log));
    this._register(vscode.window.registerWebviewViewProvider(PanelViewProvider.viewId, panel, { webviewOptions: { retainContextWhenHidden: false } }));
    this.registerCommand(CommandIds.trainModel, (options?: unknown) => trainModelCommand(this.log, this.config, options));
    this.registerCommand(CommandIds.useModel, (name?: unknown, version?: unknown) => useModelCommand(this.log, name, version));
    this.registerCommand(CommandIds.pushModel, (name?: unknown, version?: unknown) => pushModelCommand(this.log, (folder) => sync.service.remoteFor(folder), name, version));
    this._register(new WelcomeFeature(this.models, this.config, (id, h) => this.registerCommand(id, h)));
    this.registerCommand(CommandIds.toggleHighlights, async () => {
      const c = vscode.workspace.getConfiguration('sidelight');
      const enabled = !c.get('highlights.enabled', true);
      await c.update('highlights.enabled', enabled, vscode.ConfigurationTarget.Global);
      vscode.window.setStatusBarMessage(
        enabled
          ? vscode.l10n.t('Sidelight: highlights on')
          : vscode.l10n.t('Sidelight: highlights off — predictions and pending suggestions are hidden, your labels stay (Toggle highlights again to show them)'),
        4000,
      );
      return enabled;
    });

    this.api = {
      version: String(context.extension.packageJSON.version),
      getPredictions: (uri) => this.highlights.predict(uri),
      getAnnotations: async (uri) => (await annotations.annotations(uri)).map(toAnnotatedSpan),
      getModelState: (uri) => {
        const folder = vscode.workspace.getWorkspaceFolder(uri);
        return folder ? this.models.stateOf(folder) : undefined;
      },
      onDidUpdateHighlights: (listener, thisArgs, disposables) =>
        this.highlights.onDidChange((doc) => listener.call(thisArgs, doc.uri), undefined, disposables),
      onDidChangeAnnotations: annotations.onDidChange,
      testing: {
        getDisplayedPredictions: (uri) => {
          const doc = openDocument(uri);
          return doc ? this.highlights.visiblePredictions(doc) : [];
        },
        getHighlightTiming: (uri) => {
          const doc = openDocument(uri);
          return doc ? this.highlights.predictionsOf(doc)?.lastRunMs : undefined;
        },
        getDrawnSpans: (uri) => {
          const doc = openDocument(uri);
          return doc ? this.highlights.drawnSpans(doc) : [];
        },
      },
    };
    this.log.info(`Sidelight ${this.api.version} activated (workspace trusted: ${vscode.workspace.isTrusted})`);
    // After activate() returns: the model starts in its worker while the window is still opening.
    const warmUp = setTimeout(() => void this.warmModels(), 0);
    this._register({ dispose: () => clearTimeout(warmUp) });
  }

  /**
   * Starts the model of every folder that is a labelling project (has `.sidelight`) or has a note open,
   * so that the first note's highlights do not wait for the model to load; other folders start theirs
   * when a note of theirs opens (HighlightController.predictAhead).
   */
  private async warmModels(): Promise<void> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const hasNoteOpen = vscode.workspace.textDocuments.some((d) => vscode.workspace.getWorkspaceFolder(d.uri) === folder && isNote(d, this.config));
      if (hasNoteOpen || (await exists(path.join(folder.uri.fsPath, '.sidelight')))) this.models.warm(folder);
    }
  }

  /** Writes every pending label to disk (VS Code awaits this from `deactivate`, unlike `dispose`). */
  flush(): Promise<void> {
    return this.annotations.flushAll();
  }

  private registerCommand(id: string, handler: (...args: never[]) => unknown): void {
    this._register(vscode.commands.registerCommand(id, wrapCommand(id, this.log, handler)));
  }
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
}
