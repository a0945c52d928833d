import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { applyContextRules } from '../../core/model/contextRules';
import { IncrementalPredictor } from '../../core/model/incrementalPredictor';
import { LoadedModelInfo } from '../../core/model/modelWorkerProtocol';
import { ModelSource, resolveModelDir } from '../../core/model/resolveModel';
import { WorkerModel } from '../../core/model/workerModel';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import { showError } from '../log';
import type { WorkspaceWatcher } from '../workspaceWatcher';

/** A short clinical sentence with a drug and a side effect: the warm-up runs every stage of the model on it. */
const WARM_UP_TEXT = 'The patient developed a rash and nausea after starting amoxicillin 500 mg; lisinopril was continued.';

export type ModelState =
  | { kind: 'loading' }
  | { kind: 'ready'; info: LoadedModelInfo; source: ModelSource }
  | { kind: 'error'; message: string }
  | { kind: 'restricted' };

export interface LoadedModel {
  info: LoadedModelInfo;
  source: ModelSource;
  predictor: IncrementalPredictor;
}

interface Entry {
  key: string;
  model: Promise<{ worker: WorkerModel; loaded: LoadedModel }>;
  state: ModelState;
}

/**
 * Which model each workspace folder gets (the setting, else the pinned version, else the embedded
 * default), loaded in a worker thread when warmed up (a labelling project opened) or the first time a note
 * needs it, and reloaded when the setting or `.sidelight/model.lock` changes.
 * In restricted mode nothing is loaded.
 */
export class ModelService extends Disposable {
  private readonly byFolder = new Map<string, Entry>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when a folder's model state changes (loading, ready, failed, replaced). */
  readonly onDidChange = this.changed.event;
  private readonly replaced = this._register(new vscode.EventEmitter<void>());
  /** Fires only when a loaded or loading model is dropped for another (setting, model.lock, trust): predictions made with it are stale. */
  readonly onDidReplaceModel = this.replaced.event;
  private readonly reportedErrors = new Set<string>();

  constructor(
    private readonly extensionRoot: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: ConfigurationService,
    watcher: WorkspaceWatcher,
  ) {
    super();
    this._register(watcher.onDidChange(({ folder, changes }) => changes.lock && this.invalidate(folder)));
    this._register(
      config.onDidChange((e) => {
        for (const folder of vscode.workspace.workspaceFolders ?? []) {
          if (e?.affectsConfiguration('sidelight.model.path', folder)) this.invalidate(folder);
        }
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.invalidateAll()));
    this._register({ dispose: () => this.invalidateAll(false) });
  }

  stateOf(folder: vscode.WorkspaceFolder): ModelState | undefined {
    if (!vscode.workspace.isTrusted) return { kind: 'restricted' };
    return this.byFolder.get(folder.uri.toString())?.state;
  }

  /** Starts loading the folder's model (and warming it up) now, so that the first note does not wait for it. */
  warm(folder: vscode.WorkspaceFolder): void {
    if (!vscode.workspace.isTrusted || this.byFolder.has(folder.uri.toString())) return;
    this.load(folder);
  }

  /** The folder's model, loading it if needed; undefined (and the state says why) when it cannot be had. */
  async modelFor(folder: vscode.WorkspaceFolder): Promise<LoadedModel | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const entry = this.byFolder.get(folder.uri.toString()) ?? this.load(folder);
    try {
      return (await entry.model).loaded;
    } catch {
      return undefined;
    }
  }

  private load(folder: vscode.WorkspaceFolder): Entry {
    const key = folder.uri.toString();
    const entry: Entry = { key, state: { kind: 'loading' }, model: Promise.resolve(undefined as never) };
    entry.model = (async () => {
      const setting = this.config.for(folder).modelPath;
      const resolved = await resolveModelDir({
        settingPath: setting,
        workspaceDir: folder.uri.fsPath,
        defaultDir: path.join(this.extensionRoot, 'models', 'default'),
      });
      this.log.info(`${folder.name}: loading the model from ${resolved.dir} (${resolved.source})`);
      const started = performance.now();
      const worker = await WorkerModel.load(path.join(this.extensionRoot, 'dist', 'modelWorker.js'), resolved.dir, resolved.manifestSha256);
      const loadedMs = performance.now() - started;
      // onnxruntime's first run of a session is several times slower than the next (kernels chosen,
      // buffers allocated): it is spent here, before any note waits on it.
      await worker.predictBatch([WARM_UP_TEXT]).catch((e) => this.log.warn(`${folder.name}: the model's warm-up run failed: ${errorMessage(e)}`));
      this.log.info(`${folder.name}: model ${worker.info.name}@${worker.info.version} loaded in ${loadedMs.toFixed(0)} ms, warmed up in ${(performance.now() - started - loadedMs).toFixed(0)} ms${worker.info.verified ? '' : ' (UNVERIFIED: no manifest.json)'}`);
      return { worker, loaded: { info: worker.info, source: resolved.source, predictor: new IncrementalPredictor(worker, undefined, undefined, applyContextRules) } };
    })();
    entry.model.then(
      ({ loaded }) => {
        if (this.byFolder.get(key) !== entry) return;
        entry.state = { kind: 'ready', info: loaded.info, source: loaded.source };
        this.changed.fire();
      },
      (e) => {
        if (this.byFolder.get(key) !== entry) return;
        const message = errorMessage(e);
        entry.state = { kind: 'error', message };
        this.log.error(`${folder.name}: the model could not be loaded: ${message}`);
        this.reportOnce(message);
        this.changed.fire();
      },
    );
    this.byFolder.set(key, entry);
    this.changed.fire();
    return entry;
  }

  /** One notification per distinct failure, with "Show log"; highlights turn off, the rest keeps working. */
  private reportOnce(message: string): void {
    if (this.reportedErrors.has(message)) return;
    this.reportedErrors.add(message);
    showError(this.log, vscode.l10n.t('the model could not be loaded, so highlights are off. {0}', message));
  }

  invalidate(folder: vscode.WorkspaceFolder | undefined): void {
    if (!folder) return;
    const entry = this.byFolder.get(folder.uri.toString());
    if (!entry) return;
    this.byFolder.delete(entry.key);
    this.reportedErrors.clear();
    void entry.model.then(({ worker }) => worker.dispose(), () => undefined);
    this.replaced.fire();
    this.changed.fire();
  }

  private invalidateAll(fire = true): void {
    for (const entry of this.byFolder.values()) void entry.model.then(({ worker }) => worker.dispose(), () => undefined);
    this.byFolder.clear();
    if (fire) {
      this.replaced.fire();
      this.changed.fire();
    }
  }
}
