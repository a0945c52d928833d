import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readNoteText } from '../../core/annotations/noteFiles';
import type { AgreementNote } from '../../core/agreement/agreementInput';
import type { AnnotationRelation } from '../../core/annotations/sidecar';
import { agreementNote, finishedBy } from '../../core/agreement/workspaceAgreementInput';
import { blindSidecar } from '../../core/annotations/votes';
import { notesToAdjudicate } from '../../core/annotations/adjudication';
import { normalizeNotePath, sha256, sidecarPathFor, type Sidecar } from '../../core/annotations/sidecar';
import { errorMessage } from '../../core/errors';
import type { SpanLike } from '../../core/metrics';
import {
  buildPanelState,
  conflictsInRaw,
  describeSyncResult,
  evaluationNotes,
  workspaceMetrics,
  type ModelInput,
  type SyncInput,
} from '../../core/panel/panelViewModel';
import { compareLabels, describeDisagreement } from '../../core/model/labelAgreement';
import { SyncState } from '../../core/sync/syncState';
import { listTrainedModels } from '../../core/training/trainedModels';
import type { ConflictRow, PanelState, SyncSummaryText, WorkspaceMetrics } from '../../protocol/panelProtocol';
import { CommandIds } from '../commandIds';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import type { ModelService } from '../highlights/modelService';
import type { ConflictVersionRef } from '../labelling/keepConflictVersionCommand';
import type { AnnotationService } from '../labelling/annotationService';
import type { LabelSchemaService } from '../labelSchemaService';
import type { SyncStatusModel } from '../sync/syncStatusModel';
import type { WorkspaceWatcher } from '../workspaceWatcher';
import type { PanelDataSource } from './panelDataSource';

/** A burst of changes (a sync rewrites many sidecars, a labelling action fires several events) is one refresh. */
const REFRESH_DELAY_MS = 300;
/** The workspace metrics run the model over the gold notes; beyond this many, the first ones are used. */
const MAX_EVALUATION_NOTES = 200;

/** What the panel renders, from the extension's live services. */
export interface PanelServices {
  annotations: AnnotationService;
  labels: LabelSchemaService;
  models: ModelService;
  syncStatus: SyncStatusModel;
  config: ConfigurationService;
  watcher: WorkspaceWatcher;
  log: vscode.LogOutputChannel;
}

/**
 * The panel's data, taken from the services every other view uses: the labels from the annotation store
 * (unsaved labels included), the schema from the schema service, the model the highlights use, the sync
 * state of the one sync-status model. Building a state reads and changes nothing else: no note is opened
 * as a document, no sidecar written, no remote contacted. The folder shown is the active note's, else the
 * first.
 */
export class WorkspacePanelDataSource extends Disposable implements PanelDataSource {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Predictions per note, kept while the note's text and the model are unchanged. */
  private readonly predictionCache = new Map<string, { key: string; spans: readonly SpanLike[] }>();
  /** Note files per folder, listed again only when files come or go or the settings change. */
  private readonly noteLists = new Map<string, Promise<string[]>>();
  private shownFolder: string | undefined;
  private readonly watchedStores = new Set<object>();

  constructor(private readonly s: PanelServices) {
    super();
    const refresh = () => this.scheduleRefresh();
    this._register(
      s.watcher.onDidChange(({ folder, changes }) => {
        if (changes.filesAddedOrRemoved) this.noteLists.delete(folder.uri.toString());
        if (changes.project || changes.bundles || changes.filesAddedOrRemoved) refresh();
      }),
    );
    this._register(
      s.config.onDidChange(() => {
        this.noteLists.clear();
        refresh();
      }),
    );
    this._register(s.labels.onDidChange(refresh));
    this._register(s.models.onDidChange(refresh));
    this._register(s.syncStatus.onDidChange(refresh));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(refresh));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(refresh));
    this._register(
      vscode.window.onDidChangeActiveTextEditor(() => {
        if (this.folder?.uri.toString() !== this.shownFolder) refresh();
      }),
    );
    this._register({ dispose: () => clearTimeout(this.refreshTimer) });
  }

  /** The active note's folder, else the first. */
  private get folder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return (active && vscode.workspace.getWorkspaceFolder(active)) || vscode.workspace.workspaceFolders?.[0];
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.changed.fire(), REFRESH_DELAY_MS);
  }

  /** Labelling actions refresh the panel; keys typed (which only move spans) do not. */
  private watchStore(folder: vscode.WorkspaceFolder): void {
    const store = this.s.annotations.storeFor(folder);
    if (this.watchedStores.has(store)) return;
    this.watchedStores.add(store);
    const unsubscribe = store.onDidChange(({ reason }) => reason !== 'edit' && this.scheduleRefresh());
    this._register({ dispose: unsubscribe });
  }

  // ---- state ------------------------------------------------------------------------------------------

  async getState(): Promise<PanelState> {
    const folder = this.folder;
    this.shownFolder = folder?.uri.toString();
    if (!folder) {
      return buildPanelState({
        workspace: null,
        schema: undefined,
        sidecars: new Map(),
        notes: [],
        model: { kind: 'unavailable', reason: vscode.l10n.t('no workspace folder') },
        sync: { kind: 'trusted' },
        problems: [vscode.l10n.t('Open a folder to see its labelling project.')],
      }, vscode.l10n);
    }
    this.watchStore(folder);
    const problems: string[] = [];
    const [schemaState, labelled, notes] = await Promise.all([
      this.s.labels.stateFor(folder),
      this.sidecars(folder),
      this.notesOf(folder).catch((e: unknown) => {
        problems.push(vscode.l10n.t('cannot list the notes: {0}', errorMessage(e)));
        return [];
      }),
    ]);
    if (schemaState.problem) problems.push(schemaState.problem);
    problems.push(...labelled.problems);
    const schema = schemaState.file === 'none' ? undefined : schemaState.schema;
    // Blind mode: counts and the model's scores are of the user's own labels; agreement compares everyone.
    const me = this.s.annotations.blindViewerIn(folder);
    const seen = me === undefined ? labelled.sidecars : new Map([...labelled.sidecars].map(([note, sidecar]) => [note, blindSidecar(sidecar, me)]));
    const model = await this.modelInput(folder, seen, schemaState.schema.labels.map((l) => l.name));
    return buildPanelState({
      workspace: folder.name,
      schema,
      sidecars: seen,
      notes,
      model,
      sync: await this.syncInput(folder),
      trained: await listTrainedModels(folder.uri.fsPath),
      agreement: await this.agreementInput(folder, labelled.sidecars, problems),
      toAdjudicate: notesToAdjudicate(labelled.sidecars),
      conflicts: labelled.conflicts,
      problems,
    }, vscode.l10n);
  }

  /** The done notes' agreement input, from the store's sidecars and the notes' text (the editor's if open). */
  private async agreementInput(folder: vscode.WorkspaceFolder, sidecars: ReadonlyMap<string, Sidecar>, problems: string[]): Promise<AgreementNote[]> {
    const out: AgreementNote[] = [];
    const finished = [...sidecars].filter(([, sidecar]) => finishedBy(sidecar).length > 0);
    // The panel refreshes on every labelling action: with fewer than two annotators there is nothing to
    // compare, so no note text is read.
    if (new Set(finished.flatMap(([, sidecar]) => finishedBy(sidecar))).size < 2) return out;
    for (const [note, sidecar] of finished) {
      const uri = vscode.Uri.joinPath(folder.uri, ...note.split('/')).toString();
      try {
        const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)?.getText() ?? (await readNoteText(folder.uri.fsPath, note));
        const read = agreementNote(note, sidecar, text);
        problems.push(...read.errors.map((e) => e.message));
        if (read.note) out.push(read.note);
      } catch (e) {
        problems.push(vscode.l10n.t('agreement: {0}: {1}', note, errorMessage(e)));
      }
    }
    return out;
  }

  /**
   * Every note's labels as the store holds them. A sidecar the store cannot read is a problem (file, line,
   * what is wrong), and its conflicts are still listed, read leniently from the file.
   */
  private async sidecars(folder: vscode.WorkspaceFolder): Promise<{ sidecars: Map<string, Sidecar>; conflicts: ConflictRow[]; problems: string[] }> {
    const store = this.s.annotations.storeFor(folder);
    const out = { sidecars: new Map<string, Sidecar>(), conflicts: [] as ConflictRow[], problems: [] as string[] };
    try {
      const { notes } = await store.loadAll();
      for (const note of notes) out.sidecars.set(note, (await store.get(note)) as Sidecar);
      for (const [note, error] of store.errors()) {
        out.problems.push(error.message);
        out.conflicts.push(...(await this.lenientConflicts(folder, note)));
      }
    } catch (e) {
      out.problems.push(vscode.l10n.t('cannot read the labels: {0}', errorMessage(e)));
    }
    out.problems.sort();
    return out;
  }

  private async lenientConflicts(folder: vscode.WorkspaceFolder, note: string): Promise<ConflictRow[]> {
    try {
      return conflictsInRaw(note, JSON.parse(await fs.readFile(sidecarPathFor(folder.uri.fsPath, note), 'utf8')));
    } catch {
      return []; // not JSON at all: the problem line says so
    }
  }

  /** Note files by the same include/exclude globs as the highlights. */
  private notesOf(folder: vscode.WorkspaceFolder): Promise<string[]> {
    const key = folder.uri.toString();
    let list = this.noteLists.get(key);
    if (!list) {
      const config = this.s.config.for(folder);
      const glob = (l: string[]): string => (l.length === 1 ? l[0] : `{${l.join(',')}}`);
      list = config.include.length
        ? Promise.resolve(
            vscode.workspace.findFiles(
              new vscode.RelativePattern(folder, glob(config.include)),
              config.exclude.length ? new vscode.RelativePattern(folder, glob(config.exclude)) : undefined,
            ),
          ).then((uris) => uris.map((u) => path.relative(folder.uri.fsPath, u.fsPath).split(path.sep).join('/')).sort())
        : Promise.resolve([]);
      list.catch(() => this.noteLists.delete(key));
      this.noteLists.set(key, list);
    }
    return list;
  }

  // ---- model ------------------------------------------------------------------------------------------

  /** The model the highlights use (loaded if it is not yet), and its scores on the workspace's labels. */
  private async modelInput(folder: vscode.WorkspaceFolder, sidecars: ReadonlyMap<string, Sidecar>, labelOrder: string[]): Promise<ModelInput> {
    if (!vscode.workspace.isTrusted) return { kind: 'unavailable', reason: vscode.l10n.t('restricted mode: the model does not run') };
    const model = await this.s.models.modelFor(folder);
    if (!model) {
      const state = this.s.models.stateOf(folder);
      return { kind: 'unavailable', reason: state?.kind === 'error' ? state.message : vscode.l10n.t('no model') };
    }
    const { info, source } = model;
    return {
      kind: 'bundle',
      name: info.name,
      version: info.version,
      manifestSha256: info.manifestSha256,
      source,
      metrics: info.metrics,
      labelMismatch: describeDisagreement(compareLabels(info.labels, labelOrder), `${info.name}@${info.version}`, vscode.l10n),
      workspace: await this.workspaceMetrics(folder, sidecars, labelOrder, (text) => model.predictor.predict(text).then((r) => r.spans), `${info.dir}:${info.manifestSha256 ?? ''}`),
    };
  }

  /**
   * Runs the model over the gold notes' text (the open document's when the note is open, since its labels
   * follow unsaved edits; else the file's), cached per text and model, and scores it against the labels.
   */
  private async workspaceMetrics(
    folder: vscode.WorkspaceFolder,
    sidecars: ReadonlyMap<string, Sidecar>,
    labelOrder: string[],
    predict: (text: string) => Promise<readonly SpanLike[]>,
    modelKey: string,
  ): Promise<WorkspaceMetrics> {
    const { notes } = evaluationNotes(sidecars);
    if (notes.length === 0) return { available: false, reason: vscode.l10n.t('no labels in this workspace yet') };
    const predictions = new Map<string, readonly SpanLike[]>();
    let lastError: string | undefined;
    for (const note of notes.slice(0, MAX_EVALUATION_NOTES)) {
      try {
        const uri = vscode.Uri.joinPath(folder.uri, ...note.split('/')).toString();
        const text = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)?.getText() ?? (await readNoteText(folder.uri.fsPath, note));
        const key = `${modelKey}:${sha256(text)}`;
        const cacheKey = `${folder.uri.toString()}\u0000${note}`;
        const cached = this.predictionCache.get(cacheKey);
        if (cached?.key === key) {
          predictions.set(note, cached.spans);
          continue;
        }
        const spans = await predict(text);
        this.predictionCache.set(cacheKey, { key, spans });
        predictions.set(note, spans);
      } catch (e) {
        lastError = errorMessage(e);
      }
    }
    // Notes that could not be predicted (or beyond the cap) are left out of the scores, not counted as misses.
    const metrics = workspaceMetrics(sidecars, predictions, labelOrder, vscode.l10n);
    if (!metrics.available && lastError) return { available: false, reason: vscode.l10n.t('the model could not run: {0}', lastError) };
    if (lastError) this.s.log.warn(`Sidelight panel: some notes could not be predicted for the workspace metrics: ${lastError}`);
    return metrics;
  }

  // ---- sync -------------------------------------------------------------------------------------------

  /** The folder's part of the sync-status model (no status check of its own). */
  private async syncInput(folder: vscode.WorkspaceFolder): Promise<SyncInput> {
    if (!vscode.workspace.isTrusted) return { kind: 'restricted' };
    const lastSync = await fs.stat(SyncState.file(folder.uri.fsPath)).then((st) => st.mtime, () => undefined);
    const { view, folders } = this.s.syncStatus.snapshot;
    const mine = folders.find((f) => f.folder.uri.toString() === folder.uri.toString());
    if (mine) return { kind: 'trusted', remote: mine.remote, status: mine.status, statusProblem: mine.status.errors[0], lastSync };
    if (view.kind === 'error') return { kind: 'trusted', statusProblem: view.message, lastSync };
    return { kind: 'trusted', lastSync };
  }

  async sync(): Promise<SyncSummaryText> {
    const result = await vscode.commands.executeCommand<unknown>(CommandIds.sync);
    const described = describeSyncResult(result, vscode.l10n);
    if (!described.ok) throw new Error(described.text);
    return described.text;
  }

  // ---- opening notes ------------------------------------------------------------------------------------

  private noteUri(note: string): vscode.Uri {
    const folder = this.folder;
    if (!folder) throw new Error(vscode.l10n.t('no workspace folder is open'));
    // The page's messages are input: refuse paths that would leave the workspace.
    return vscode.Uri.joinPath(folder.uri, ...normalizeNotePath(note).split('/'));
  }

  async openNote(note: string): Promise<void> {
    await vscode.window.showTextDocument(this.noteUri(note), { preview: false });
  }

  async useModel(name: string, version: string): Promise<void> {
    await vscode.commands.executeCommand(CommandIds.useModel, name, version);
  }

  private async relationOf(note: string, id: string): Promise<AnnotationRelation | undefined> {
    const ref = this.s.annotations.ref(this.noteUri(note));
    return ref && ((await ref.store.get(ref.rel)).relations ?? []).find((r) => r.id === id);
  }

  async pushModel(name: string, version: string): Promise<void> {
    await vscode.commands.executeCommand(CommandIds.pushModel, name, version);
  }

  /** `id`: a span's, or a relation's (the panel lists both kinds of conflict). */
  async keepConflictVersion(note: string, id: string): Promise<void> {
    const relation = await this.relationOf(note, id);
    if (relation) {
      const ref = this.s.annotations.ref(this.noteUri(note));
      if (ref) await ref.store.keepRelationVersion(ref.rel, id);
      return;
    }
    const version: ConflictVersionRef = { uri: this.noteUri(note).toString(), id };
    await vscode.commands.executeCommand(CommandIds.keepConflictVersion, version);
  }

  /** Opens the note at the conflicting span, or at the first span of a conflicting relation. */
  async openConflict(note: string, id: string): Promise<void> {
    const uri = this.noteUri(note);
    const editor = await vscode.window.showTextDocument(uri, { preview: false });
    const spanId = (await this.relationOf(note, id))?.from ?? id;
    // After opening: the store's spans then follow the document's text.
    const span = (await this.s.annotations.annotations(uri)).find((s) => s.id === spanId);
    if (!span || span.fragments.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t("Sidelight: span {0} is no longer in {1}'s labels.", spanId, note));
      return;
    }
    const doc = editor.document;
    const range = new vscode.Range(doc.positionAt(span.fragments[0][0]), doc.positionAt(span.fragments[span.fragments.length - 1][1]));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
