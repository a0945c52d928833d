import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { SidelightStatusBar } from '../statusBar';
import { HighlightController } from './highlightController';
import { ModelService } from './modelService';

/** Keeps the `model` status bar item true: the model's state and the counts in the active note. */
export class ModelStatus extends Disposable {
  constructor(
    private readonly bar: SidelightStatusBar,
    private readonly models: ModelService,
    private readonly highlights: HighlightController,
  ) {
    super();
    this._register(models.onDidChange(() => this.update()));
    this._register(highlights.onDidChange(() => this.update()));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.update();
  }

  update(): void {
    const editor = vscode.window.activeTextEditor;
    const folder = editor ? vscode.workspace.getWorkspaceFolder(editor.document.uri) : vscode.workspace.workspaceFolders?.[0];
    const state = folder ? this.models.stateOf(folder) : undefined;
    if (!state) {
      this.bar.setModel('$(beaker) Sidelight', 'Sidelight: the model loads when a note is opened');
      return;
    }
    switch (state.kind) {
      case 'restricted':
        this.bar.setModel('$(shield) Sidelight', 'Sidelight: restricted mode — no model is loaded until the workspace is trusted');
        return;
      case 'loading':
        this.bar.setModel('$(loading~spin) Sidelight', 'Sidelight: loading the model…');
        return;
      case 'error':
        this.bar.setModel('$(error) Sidelight', `Sidelight: the model could not be loaded — ${state.message}`);
        return;
      case 'ready': {
        const id = `${state.info.name}@${state.info.version}`;
        const note = editor ? this.highlights.predictionsOf(editor.document) : undefined;
        if (!editor || !note) {
          this.bar.setModel(`$(beaker) ${id}`, `Sidelight model ${id} (${state.source})`);
          return;
        }
        if (note.skipped) {
          this.bar.setModel(`$(beaker) ${id} · skipped`, `Sidelight: this file is ${note.skipped}`);
          return;
        }
        const counts = new Map<string, number>();
        for (const s of this.highlights.visiblePredictions(editor.document)) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
        const summary = [...counts].map(([l, n]) => `${l} ${n}`).join(' · ') || 'none';
        this.bar.setModel(`$(beaker) ${summary}`, `Sidelight model ${id} (${state.source}${state.info.verified ? ', verified' : ', UNVERIFIED'}): ${summary} in this note`);
      }
    }
  }
}
