import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadLabelSchema, type LabelSchema } from '../../core/annotations/labelSchema';
import { normalizeNotePath, parseSidecar, type Sidecar } from '../../core/annotations/sidecar';
import { walkFiles } from '../../core/fs/walk';
import { ANNOTATIONS_DIR } from '../../core/workspaceLayout';
import { errorMessage } from '../../core/errors';
import type { SpanLike } from '../../core/metrics';
import { sha256Hex } from '../../core/fs/sha256';
import { resolveModelDir, type ResolvedModel } from '../../core/model/resolveModel';
import {
  buildPanelState,
  conflictsInRaw,
  describeSyncResult,
  evaluationNotes,
  workspaceMetrics,
  type ModelInput,
  type SyncInput,
} from '../../core/panel/panelViewModel';
import { readRemoteConfig, resolveRemote } from '../../core/sync/remoteConfig';
import { SyncEngine } from '../../core/sync/syncEngine';
import { SyncState } from '../../core/sync/syncState';
import type { ConflictRow, PanelState, SyncSummaryText, WorkspaceMetrics } from '../../protocol/panelProtocol';
import { CommandIds } from '../commandIds';
import { readConfig } from '../configuration';
import type { ConflictVersionRef } from '../labelling/keepConflictVersionCommand';
import { Disposable } from '../dispose';
import type { PanelDataSource } from './panelDataSource';

/** The model's spans for a note (the extension passes its highlight controller's `predict`). */
export type NotePredictor = (uri: vscode.Uri) => Promise<readonly SpanLike[]>;

/** Spans of a `.sidelight` write burst (a sync writes many files) are folded into one refresh. */
const REFRESH_DELAY_MS = 300;
/** The workspace metrics run the model over the gold notes; beyond this many, the first ones are used. */
const MAX_EVALUATION_NOTES = 200;
// writeFileAtomic's temporary files (`.<name>.<random>.tmp`): never sidecars.
const ATOMIC_TMP = /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$/;

interface SidecarScan {
  sidecars: Map<string, Sidecar>;
  /** Spans the sync left in conflict, from every sidecar (also those the strict parser refuses). */
  conflicts: ConflictRow[];
  problems: string[];
}

/**
 * A PanelDataSource that reads everything from disk for the first workspace folder: the label schema
 * and sidecars through the core loaders, the model's manifest (setting, lock or the embedded default,
 * the same precedence as the runtime), and the sync state through the sync engine. It refreshes when
 * anything under `.sidelight/` changes, when notes come or go, on settings changes and on trust.
 */
export class WorkspacePanelDataSource extends Disposable implements PanelDataSource {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly folderWatchers: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Predictions per note, kept while the note file and the model are unchanged. */
  private readonly predictionCache = new Map<string, { key: string; spans: readonly SpanLike[] }>();
  private readonly engine = new SyncEngine();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly predict?: NotePredictor,
  ) {
    super();
    this.watchFolder();
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchFolder();
        this.scheduleRefresh();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sidelight')) this.scheduleRefresh();
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleRefresh()));
    this._register({
      dispose: () => {
        clearTimeout(this.refreshTimer);
        for (const d of this.folderWatchers.splice(0)) d.dispose();
      },
    });
  }

  private get folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  private watchFolder(): void {
    for (const d of this.folderWatchers.splice(0)) d.dispose();
    const folder = this.folder;
    if (!folder) return;
    const sidelight = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.sidelight/**'));
    // Notes only matter when they appear or disappear (the total); their edits change no count.
    const notes = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'), false, true, false);
    const refresh = (): void => this.scheduleRefresh();
    this.folderWatchers.push(
      sidelight,
      notes,
      sidelight.onDidCreate(refresh),
      sidelight.onDidChange(refresh),
      sidelight.onDidDelete(refresh),
      notes.onDidCreate(refresh),
      notes.onDidDelete(refresh),
    );
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.changed.fire(), REFRESH_DELAY_MS);
  }

  // ---- state ------------------------------------------------------------------------------------------

  async getState(): Promise<PanelState> {
    const folder = this.folder;
    if (!folder) {
      return buildPanelState({
        workspace: null,
        schema: undefined,
        sidecars: new Map(),
        notes: [],
        model: await this.modelInput(undefined, new Map(), undefined),
        sync: { kind: 'trusted' },
        problems: ['Open a folder to see its labelling project.'],
      });
    }
    const ws = folder.uri.fsPath;
    const problems: string[] = [];
    const [schema, scan, notes] = await Promise.all([
      loadLabelSchema(ws).catch((e: unknown) => {
        problems.push(errorMessage(e));
        return undefined;
      }),
      this.scanSidecars(ws),
      this.listNotes(folder).catch((e: unknown) => {
        problems.push(`cannot list the notes: ${errorMessage(e)}`);
        return [];
      }),
    ]);
    problems.push(...scan.problems);
    const [model, sync] = await Promise.all([this.modelInput(folder, scan.sidecars, schema), this.syncInput(folder)]);
    return buildPanelState({ workspace: folder.name, schema, sidecars: scan.sidecars, notes, model, sync, conflicts: scan.conflicts, problems });
  }

  /** Every sidecar that parses; the others become problems (file, line, what is wrong); conflicts from all. */
  private async scanSidecars(ws: string): Promise<SidecarScan> {
    const out: SidecarScan = { sidecars: new Map(), conflicts: [], problems: [] };
    const root = path.join(ws, ...ANNOTATIONS_DIR.split('/'));
    const files = (await walkFiles(root)).files.filter((f) => f.endsWith('.json') && !ATOMIC_TMP.test(f));
    await Promise.all(
      files.map(async (rel) => {
        const note = rel.slice(0, -'.json'.length);
        const file = path.join(root, ...rel.split('/'));
        let raw: string;
        try {
          raw = await fs.readFile(file, 'utf8');
        } catch (e) {
          out.problems.push(`${file}: cannot be read (${errorMessage(e)})`);
          return;
        }
        const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        try {
          const sidecar = parseSidecar(text, path.relative(ws, file));
          out.sidecars.set(note, sidecar);
          out.conflicts.push(...conflictsInRaw(note, sidecar));
        } catch (e) {
          out.problems.push(errorMessage(e));
        }
      }),
    );
    out.problems.sort();
    out.conflicts.sort((a, b) => (a.note < b.note ? -1 : a.note > b.note ? 1 : 0));
    return out;
  }

  /** Note files by the same include/exclude globs as the highlights. */
  private async listNotes(folder: vscode.WorkspaceFolder): Promise<string[]> {
    const config = readConfig(folder.uri);
    const glob = (list: string[]): string => (list.length === 1 ? list[0] : `{${list.join(',')}}`);
    if (config.include.length === 0) return [];
    const uris = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, glob(config.include)),
      config.exclude.length ? new vscode.RelativePattern(folder, glob(config.exclude)) : undefined,
    );
    return uris.map((u) => path.relative(folder.uri.fsPath, u.fsPath).split(path.sep).join('/')).sort();
  }

  // ---- model ------------------------------------------------------------------------------------------

  private async modelInput(folder: vscode.WorkspaceFolder | undefined, sidecars: ReadonlyMap<string, Sidecar>, schema: LabelSchema | undefined): Promise<ModelInput> {
    let resolved: ResolvedModel;
    try {
      resolved = await resolveModelDir({
        // In restricted mode VS Code hides workspace values of `sidelight.model.path` (a restricted setting).
        settingPath: folder ? readConfig(folder.uri).modelPath : undefined,
        workspaceDir: folder?.uri.fsPath,
        defaultDir: vscode.Uri.joinPath(this.extensionUri, 'models', 'default').fsPath,
      });
    } catch (e) {
      return { kind: 'unavailable', reason: errorMessage(e), source: 'lock' };
    }
    const manifestFile = path.join(resolved.dir, 'manifest.json');
    let bytes: Buffer | undefined;
    try {
      bytes = await fs.readFile(manifestFile);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return { kind: 'unavailable', reason: `${manifestFile}: cannot be read (${errorMessage(e)})`, source: resolved.source };
      // No manifest: a raw bundle (unverified) if the folder holds a model, else nothing to show.
      const hasModel = await fs.stat(path.join(resolved.dir, 'model.onnx')).then(() => true, () => false);
      if (!hasModel) return { kind: 'unavailable', reason: `no model bundle at ${resolved.dir}`, source: resolved.source };
    }
    let manifest: { name?: unknown; version?: unknown; metrics?: unknown } = {};
    if (bytes) {
      try {
        manifest = JSON.parse(bytes.toString('utf8')) as typeof manifest;
      } catch (e) {
        return { kind: 'unavailable', reason: `${manifestFile}: not valid JSON (${errorMessage(e)})`, source: resolved.source };
      }
    }
    const manifestSha256 = bytes ? sha256Hex(bytes) : undefined;
    if (resolved.manifestSha256 && manifestSha256 && manifestSha256 !== resolved.manifestSha256.toLowerCase()) {
      return { kind: 'unavailable', reason: `${manifestFile}: sha256 differs from the one pinned in .sidelight/model.lock`, source: resolved.source };
    }
    const metrics = manifest.metrics;
    return {
      kind: 'bundle',
      name: typeof manifest.name === 'string' ? manifest.name : path.basename(resolved.dir),
      version: typeof manifest.version === 'string' ? manifest.version : 'unverified',
      manifestSha256,
      source: resolved.source,
      metrics: typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics) ? (metrics as Record<string, unknown>) : undefined,
      workspace: folder ? await this.workspaceMetrics(folder, sidecars, schema, manifestSha256 ?? resolved.dir) : { available: false, reason: 'no workspace folder' },
    };
  }

  /** Runs the model over the gold notes (cached per note file and model) and scores it against the labels. */
  private async workspaceMetrics(
    folder: vscode.WorkspaceFolder,
    sidecars: ReadonlyMap<string, Sidecar>,
    schema: LabelSchema | undefined,
    modelKey: string,
  ): Promise<WorkspaceMetrics> {
    if (!vscode.workspace.isTrusted) return { available: false, reason: 'restricted mode: the model does not run' };
    if (!this.predict) return { available: false, reason: 'the model is not available to the panel' };
    const { notes } = evaluationNotes(sidecars);
    if (notes.length === 0) return { available: false, reason: 'no labels in this workspace yet' };
    const predictions = new Map<string, readonly SpanLike[]>();
    let lastError: string | undefined;
    for (const note of notes.slice(0, MAX_EVALUATION_NOTES)) {
      const uri = vscode.Uri.joinPath(folder.uri, ...note.split('/'));
      try {
        const st = await fs.stat(uri.fsPath);
        const key = `${modelKey}:${st.size}:${st.mtimeMs}`;
        const cached = this.predictionCache.get(note);
        if (cached?.key === key) {
          predictions.set(note, cached.spans);
          continue;
        }
        const spans = await this.predict(uri);
        this.predictionCache.set(note, { key, spans });
        predictions.set(note, spans);
      } catch (e) {
        lastError = errorMessage(e);
      }
    }
    // Notes that could not be predicted (or beyond the cap) are left out of the scores, not counted as misses.
    const metrics = workspaceMetrics(sidecars, predictions, schema?.labels.map((l) => l.name) ?? []);
    if (!metrics.available && lastError) return { available: false, reason: `the model could not run: ${lastError}` };
    if (lastError) this.log.warn(`Sidelight panel: some notes could not be predicted for the workspace metrics: ${lastError}`);
    return metrics;
  }

  // ---- sync -------------------------------------------------------------------------------------------

  private async syncInput(folder: vscode.WorkspaceFolder): Promise<SyncInput> {
    if (!vscode.workspace.isTrusted) return { kind: 'restricted' };
    const ws = folder.uri.fsPath;
    const lastSync = await fs.stat(SyncState.file(ws)).then((st) => st.mtime, () => undefined);
    const override = readConfig(folder.uri).remote;
    let url: string | undefined;
    try {
      url = override || (await readRemoteConfig(ws)).remote;
    } catch (e) {
      return { kind: 'trusted', statusProblem: errorMessage(e), lastSync };
    }
    if (!url) return { kind: 'trusted', lastSync };
    try {
      const remote = await resolveRemote(ws, { override: override || undefined });
      if (!remote) return { kind: 'trusted', lastSync };
      const status = await this.engine.status({ workspaceDir: ws, remote, fetchPinnedModel: false });
      return { kind: 'trusted', remote: url, status, statusProblem: status.errors[0], lastSync };
    } catch (e) {
      return { kind: 'trusted', remote: url, statusProblem: `cannot check the remote: ${errorMessage(e)}`, lastSync };
    }
  }

  async sync(): Promise<SyncSummaryText> {
    const result = await vscode.commands.executeCommand<unknown>(CommandIds.sync);
    const described = describeSyncResult(result);
    if (!described.ok) throw new Error(described.text);
    return described.text;
  }

  // ---- opening notes ------------------------------------------------------------------------------------

  private noteUri(note: string): vscode.Uri {
    const folder = this.folder;
    if (!folder) throw new Error('no workspace folder is open');
    // The page's messages are input: refuse paths that would leave the workspace.
    return vscode.Uri.joinPath(folder.uri, ...normalizeNotePath(note).split('/'));
  }

  async openNote(note: string): Promise<void> {
    await vscode.window.showTextDocument(this.noteUri(note), { preview: false });
  }

  async keepConflictVersion(note: string, spanId: string): Promise<void> {
    const version: ConflictVersionRef = { uri: this.noteUri(note).toString(), id: spanId };
    await vscode.commands.executeCommand(CommandIds.keepConflictVersion, version);
  }

  async openConflict(note: string, spanId: string): Promise<void> {
    const uri = this.noteUri(note);
    const folder = this.folder as vscode.WorkspaceFolder;
    const sidecarFile = path.join(folder.uri.fsPath, ...ANNOTATIONS_DIR.split('/'), ...`${normalizeNotePath(note)}.json`.split('/'));
    let fragments: [number, number][] | undefined;
    try {
      const raw = JSON.parse(await fs.readFile(sidecarFile, 'utf8')) as { spans?: { id?: unknown; fragments?: unknown }[] };
      const span = raw.spans?.find((s) => s.id === spanId);
      if (Array.isArray(span?.fragments) && span.fragments.length > 0) fragments = span.fragments as [number, number][];
    } catch (e) {
      this.log.warn(`Sidelight panel: cannot read ${sidecarFile}: ${errorMessage(e)}`);
    }
    const editor = await vscode.window.showTextDocument(uri, { preview: false });
    if (!fragments) {
      void vscode.window.showWarningMessage(`Sidelight: span ${spanId} is no longer in ${note}'s labels.`);
      return;
    }
    const doc = editor.document;
    const range = new vscode.Range(doc.positionAt(fragments[0][0]), doc.positionAt(fragments[fragments.length - 1][1]));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
