import * as vscode from 'vscode';
import { compareLabels, describeDisagreement } from '../../core/model/labelAgreement';
import { Disposable } from '../dispose';
import { LabelSchemaService } from '../labelSchemaService';
import { SidelightStatusBar } from '../statusBar';
import { HighlightController } from './highlightController';
import { ModelService, ModelState } from './modelService';

/**
 * Keeps the `model` status bar item true: the model's state and the counts in the active note; and, when
 * the model's labels and the folder's labels.json differ, a warning sign with what to do in the tooltip
 * (logged once per model and schema).
 */
export class ModelStatus extends Disposable {
  /** Per folder: the model (`name@version`) and schema the finding is about, and the finding. */
  private readonly disagreements = new Map<string, { model: string; schema: string; message?: string }>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly bar: SidelightStatusBar,
    private readonly models: ModelService,
    private readonly highlights: HighlightController,
    private readonly labels: LabelSchemaService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(models.onDidChange(() => this.update()));
    this._register(highlights.onDidChange(() => this.update()));
    this._register(highlights.onDidRedraw(() => this.update()));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this._register(
      labels.onDidChange((folder) => {
        if (folder) this.disagreements.delete(folder.uri.toString());
        else this.disagreements.clear();
        this.update();
      }),
    );
    this.update();
  }

  /** The disagreement message for the folder's model, computed once per model and schema (async: the schema is read from disk). */
  private disagreementOf(folder: vscode.WorkspaceFolder, modelLabels: string[], model: string): string | undefined {
    const key = folder.uri.toString();
    const known = this.disagreements.get(key);
    if (known?.model === model) return known.message;
    const entry: { model: string; schema: string; message?: string } = { model, schema: '' };
    this.disagreements.set(key, entry);
    void this.labels.schemaFor(folder).then((schema) => {
      if (this.disagreements.get(key) !== entry) return;
      const names = schema.labels.map((l) => l.name);
      entry.schema = names.join(',');
      entry.message = describeDisagreement(compareLabels(modelLabels, names), model, vscode.l10n);
      if (entry.message && !this.logged.has(`${key} ${model} ${entry.schema}`)) {
        this.logged.add(`${key} ${model} ${entry.schema}`);
        this.log.warn(`${folder.name}: ${entry.message}`);
      }
      if (entry.message) this.update();
    });
    return undefined;
  }

  update(): void {
    const editor = vscode.window.activeTextEditor;
    const folder = editor ? vscode.workspace.getWorkspaceFolder(editor.document.uri) : vscode.workspace.workspaceFolders?.[0];
    const state = folder ? this.models.stateOf(folder) : undefined;
    if (folder && state?.kind === 'ready') {
      const { text, tooltip } = this.readyView(editor, state);
      const problem = this.disagreementOf(folder, state.info.labels, `${state.info.name}@${state.info.version}`);
      if (problem) this.bar.setModel(vscode.l10n.t('$(warning) {0}', text), vscode.l10n.t("{0}\n\nThe model's labels and labels.json differ: {1}", tooltip, problem));
      else this.bar.setModel(vscode.l10n.t('$(beaker) {0}', text), tooltip);
      return;
    }
    if (!state) {
      this.bar.setModel(vscode.l10n.t('$(beaker) Sidelight'), vscode.l10n.t('Sidelight: the model loads when a note is opened'));
      return;
    }
    switch (state.kind) {
      case 'restricted':
        this.bar.setModel(vscode.l10n.t('$(shield) Sidelight'), vscode.l10n.t('Sidelight: restricted mode — no model is loaded until the workspace is trusted'));
        return;
      case 'loading':
        this.bar.setModel(vscode.l10n.t('$(loading~spin) Sidelight'), vscode.l10n.t('Sidelight: loading the model…'));
        return;
      case 'error':
        this.bar.setModel(vscode.l10n.t('$(error) Sidelight'), vscode.l10n.t('Sidelight: the model could not be loaded — {0}', state.message));
        return;
    }
  }

  private readyView(editor: vscode.TextEditor | undefined, state: Extract<ModelState, { kind: 'ready' }>): { text: string; tooltip: string } {
    const id = `${state.info.name}@${state.info.version}`;
    const note = editor ? this.highlights.predictionsOf(editor.document) : undefined;
    if (!editor || !note) return { text: id, tooltip: vscode.l10n.t('Sidelight model {0} ({1})', id, state.source) };
    if (note.skipped) return { text: vscode.l10n.t('{0} · skipped', id), tooltip: vscode.l10n.t('Sidelight: this file is {0}', note.skipped) };
    const counts = new Map<string, number>();
    for (const s of this.highlights.countedPredictions(editor.document)) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
    const summary = [...counts].map(([l, n]) => `${l} ${n}`).join(' · ') || vscode.l10n.t('none');
    const tooltip = state.info.verified
      ? vscode.l10n.t('Sidelight model {0} ({1}, verified): {2} in this note', id, state.source, summary)
      : vscode.l10n.t('Sidelight model {0} ({1}, UNVERIFIED): {2} in this note', id, state.source, summary);
    return { text: summary, tooltip };
  }
}
