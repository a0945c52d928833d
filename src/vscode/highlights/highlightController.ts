import * as vscode from 'vscode';
import { LabelDefinition, LabelSchema } from '../../core/annotations/labelSchema';
import { errorMessage } from '../../core/errors';
import { LoadedModelInfo } from '../../core/model/modelWorkerProtocol';
import { shiftPredictions } from '../../core/model/shiftPredictions';
import { isStalePrediction } from '../../core/model/stalePrediction';
import { Span } from '../../core/span';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import { LabelSchemaService } from '../labelSchemaService';
import { DecorationStyles, SpanLook } from './decorationStyles';
import { ModelService } from './modelService';
import { isNote, skipReason } from './noteFilter';

/** What the controller knows of one open note. */
interface NoteState {
  /** Predictions in the document's current offsets (shifted by edits since the model ran). */
  spans: Span[];
  model?: LoadedModelInfo;
  timer?: ReturnType<typeof setTimeout>;
  abort?: AbortController;
  skipped?: string;
  /** Milliseconds from the idle timer firing to the decorations being set, for the benchmark. */
  lastRunMs?: number;
}

/**
 * What the labelling layer adds to a note's drawing: its labels (drawn with the same machinery) and which
 * predictions are already reviewed (an accepted or rejected annotation covers them: not drawn again).
 */
export type ExtraSpans = (doc: vscode.TextDocument) => {
  spans: { span: Span; look: SpanLook }[];
  isReviewed: (p: Span) => boolean;
  /** A prediction someone rejected: not drawn, and not counted in the status bar. */
  isRejected: (p: Span) => boolean;
};

/** A span as the last render drew it. */
export interface DrawnSpan {
  label: string;
  start: number;
  end: number;
  look: SpanLook;
}

const fallbackLabel = (name: string): LabelDefinition => ({ name, color: '#999999', key: '', definition: '' });

/**
 * Draws the model's predictions in every visible note, two-speed: an edit clears the spans it touched at
 * once and shifts the rest; the model runs after `idleDelay` ms of quiet, only on the chunks whose text
 * changed (IncrementalPredictor), and a run made stale by a newer edit is cancelled and never drawn.
 */
export class HighlightController extends Disposable {
  private readonly notes = new Map<string, NoteState>();
  private readonly styles = this._register(new DecorationStyles());
  private readonly schemas = new Map<string, LabelSchema>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.TextDocument>());
  /** Fires when a note's predictions were redrawn. */
  readonly onDidChange = this.changed.event;
  private readonly redrawn = this._register(new vscode.EventEmitter<void>());
  /** Fires when notes were redrawn for another reason than the model (labels changed, an edit): counts may differ. */
  readonly onDidRedraw = this.redrawn.event;
  private readonly drawn = new Map<string, DrawnSpan[]>();
  private extra: ExtraSpans = () => ({ spans: [], isReviewed: () => false, isRejected: () => false });

  constructor(
    private readonly models: ModelService,
    private readonly labels: LabelSchemaService,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: ConfigurationService,
  ) {
    super();
    this._register(vscode.window.onDidChangeVisibleTextEditors(() => this.refreshVisible()));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.forget(d)));
    this._register(
      config.onDidChange(() => this.refreshVisible()),
    );
    this._register(vscode.window.onDidChangeActiveColorTheme(() => this.restyle()));
    this._register(
      labels.onDidChange((folder) => {
        if (folder) this.schemas.delete(folder.uri.toString());
        this.restyle();
      }),
    );
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.predictAhead(d)));
    this._register(
      models.onDidReplaceModel(() => {
        // A different model: every note is predicted again. (A model that merely finished loading is
        // not one: the runs waiting for it go on.)
        for (const [, s] of this.notes) s.abort?.abort();
        this.notes.clear();
        this.refreshVisible();
      }),
    );
    this._register({ dispose: () => this.notes.forEach((s) => (clearTimeout(s.timer), s.abort?.abort())) });
    this.refreshVisible();
  }

  /** Lets the labelling layer draw human labels with the same machinery. */
  setExtraSpans(extra: ExtraSpans): void {
    this.extra = extra;
  }

  predictionsOf(doc: vscode.TextDocument): { spans: Span[]; model?: LoadedModelInfo; skipped?: string; lastRunMs?: number } | undefined {
    return this.notes.get(doc.uri.toString());
  }

  /** Spans drawn for a note (score at least `minScore`). */
  visiblePredictions(doc: vscode.TextDocument): Span[] {
    const min = this.config.for(doc.uri).highlights.minScore;
    return (this.notes.get(doc.uri.toString())?.spans ?? []).filter((s) => (s.score ?? 1) >= min);
  }

  /** The predictions the status bar counts: drawn or accepted, not rejected. */
  countedPredictions(doc: vscode.TextDocument): Span[] {
    const extra = this.extra(doc);
    return this.visiblePredictions(doc).filter((p) => !extra.isRejected(p));
  }

  /** Predictions of any note, open or closed, computed now (the public API). */
  async predict(uri: vscode.Uri): Promise<Span[]> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) throw new Error(`${uri.fsPath} is not in a workspace folder`);
    const model = await this.models.modelFor(folder);
    if (!model) {
      const state = this.models.stateOf(folder);
      throw new Error(state?.kind === 'error' ? state.message : state?.kind === 'restricted' ? 'restricted mode: no model is loaded' : 'no model');
    }
    return (await model.predictor.predict(doc.getText())).spans;
  }

  /**
   * A note being opened is predicted at once, before its editor shows (VS Code opens the document some
   * milliseconds earlier): the run that the editor's appearance starts then finds its chunks cached or in
   * flight. Also starts the folder's model if nothing did yet.
   */
  private predictAhead(doc: vscode.TextDocument): void {
    if (!this.config.for(doc.uri).highlights.enabled || !isNote(doc, this.config) || skipReason(doc)) return;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return;
    const text = doc.getText();
    void this.models.modelFor(folder).then((model) => model?.predictor.predict(text)).catch(() => undefined);
  }

  redraw(doc?: vscode.TextDocument): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (!doc || editor.document === doc) void this.render(editor);
    }
    this.redrawn.fire();
  }

  private refreshVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const doc = editor.document;
      if (!this.config.for(doc.uri).highlights.enabled || !isNote(doc, this.config)) {
        void this.render(editor);
        continue;
      }
      const state = this.notes.get(doc.uri.toString());
      if (!state) this.schedule(doc, 0);
      else void this.render(editor);
    }
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const state = this.notes.get(e.document.uri.toString());
    if (!state || !e.contentChanges.length) return;
    state.abort?.abort();
    state.spans = shiftPredictions(state.spans, e.contentChanges);
    this.redraw(e.document);
    this.schedule(e.document, this.config.for(e.document.uri).highlights.idleDelay);
  }

  private forget(doc: vscode.TextDocument): void {
    const state = this.notes.get(doc.uri.toString());
    if (!state) return;
    clearTimeout(state.timer);
    state.abort?.abort();
    this.notes.delete(doc.uri.toString());
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    const key = doc.uri.toString();
    const state = this.notes.get(key) ?? { spans: [] };
    this.notes.set(key, state);
    clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.run(doc, state), delay);
  }

  private async run(doc: vscode.TextDocument, state: NoteState): Promise<void> {
    const fired = performance.now();
    if (doc.isClosed || !this.config.for(doc.uri).highlights.enabled || !isNote(doc, this.config)) return;
    if (!vscode.window.visibleTextEditors.some((e) => e.document === doc)) {
      // Not visible any more: predicted when it is shown again.
      this.notes.delete(doc.uri.toString());
      return;
    }
    state.skipped = skipReason(doc);
    if (state.skipped) {
      state.spans = [];
      this.log.info(`${vscode.workspace.asRelativePath(doc.uri)}: skipped, ${state.skipped}`);
      this.redraw(doc);
      this.changed.fire(doc);
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)!;
    const model = await this.models.modelFor(folder);
    if (!model) {
      state.spans = [];
      this.redraw(doc);
      this.changed.fire(doc);
      return;
    }
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const version = doc.version;
    try {
      const { spans } = await model.predictor.predict(doc.getText(), abort.signal);
      if (isStalePrediction({ cancelled: abort.signal.aborted, textVersionAtStart: version, textVersionNow: doc.version, stillCurrent: this.notes.get(doc.uri.toString()) === state })) return; // never drawn
      state.spans = spans;
      state.model = model.info;
      await Promise.all(vscode.window.visibleTextEditors.filter((e) => e.document === doc).map((e) => this.render(e)));
      state.lastRunMs = performance.now() - fired;
      this.changed.fire(doc);
    } catch (e) {
      if (abort.signal.aborted) return;
      this.log.error(`${vscode.workspace.asRelativePath(doc.uri)}: prediction failed: ${errorMessage(e)}`);
    }
  }

  private async schemaOf(folder: vscode.WorkspaceFolder | undefined): Promise<LabelSchema> {
    const key = folder?.uri.toString() ?? '';
    let s = this.schemas.get(key);
    if (!s) {
      s = await this.labels.schemaFor(folder);
      this.schemas.set(key, s);
    }
    return s;
  }

  private async render(editor: vscode.TextEditor): Promise<void> {
    const doc = editor.document;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const schema = await this.schemaOf(folder);
    const byType = new Map<vscode.TextEditorDecorationType, vscode.Range[]>();
    const drawn: DrawnSpan[] = [];
    const add = (span: Span, look: SpanLook) => {
      drawn.push({ label: span.label, start: span.start, end: span.end, look });
      const def = schema.labels.find((l) => l.name === span.label) ?? fallbackLabel(span.label);
      const type = this.styles.typeFor(def, look);
      const ranges = byType.get(type) ?? [];
      for (const [s, e] of span.fragments ?? [[span.start, span.end]]) ranges.push(new vscode.Range(doc.positionAt(s), doc.positionAt(e)));
      byType.set(type, ranges);
    };
    const c = this.config.for(doc.uri).highlights;
    const extra = this.extra(doc);
    const showModel = c.enabled && isNote(doc, this.config);
    if (showModel) {
      for (const s of this.notes.get(doc.uri.toString())?.spans ?? []) {
        const score = s.score ?? 1;
        if (score >= c.minScore && !extra.isReviewed(s)) add(s, score >= c.threshold ? 'predicted' : 'faint');
      }
    }
    // Highlights off hides what the model proposed, stored suggestions too; people's labels stay.
    for (const { span, look } of extra.spans) if (look === 'human' || look === 'absent' || showModel) add(span, look);
    for (const type of this.styles.all()) editor.setDecorations(type, byType.get(type) ?? []);
    this.drawn.set(doc.uri.toString(), drawn);
  }

  /** What the last render drew in the note, and how (for tests: the editor does not say). */
  drawnSpans(doc: vscode.TextDocument): readonly DrawnSpan[] {
    return this.drawn.get(doc.uri.toString()) ?? [];
  }

  private restyle(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      for (const type of this.styles.all()) editor.setDecorations(type, []);
    }
    this.styles.reset();
    this.redraw();
  }
}
