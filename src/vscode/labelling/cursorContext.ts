import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { LabellingContext, predictionAt } from './labellingContext';

/**
 * Context keys for `when` clauses (the editor's context menu shows only what applies):
 * `sidelight.inNote` (the active editor is a note), `sidelight.cursorOnPrediction` (an unreviewed
 * prediction or a pending suggestion under the cursor: Accept / Reject apply) and
 * `sidelight.cursorOnLabel` (a label of a person's, or an accepted one: Change label / Remove apply).
 */
export class CursorContext extends Disposable {
  private last = '';

  constructor(private readonly ctx: LabellingContext) {
    super();
    this._register(vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.update()));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this._register(ctx.annotations.onDidChange(() => this.update()));
    this._register(ctx.highlights.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const editor = vscode.window.activeTextEditor;
    const inNote = !!editor && !!this.ctx.annotations.ref(editor.document.uri);
    let onPrediction = false;
    let onLabel = false;
    if (editor && inNote) {
      const doc = editor.document;
      const offset = doc.offsetAt(editor.selection.active);
      const here = this.ctx.annotations.spansAt(doc, offset);
      onPrediction = !!predictionAt(this.ctx, doc, offset) || here.some((s) => s.status === 'suggested');
      onLabel = here.some((s) => s.status === 'accepted');
    }
    const key = `${inNote} ${onPrediction} ${onLabel}`;
    if (key === this.last) return;
    this.last = key;
    void vscode.commands.executeCommand('setContext', 'sidelight.inNote', inNote);
    void vscode.commands.executeCommand('setContext', 'sidelight.cursorOnPrediction', onPrediction);
    void vscode.commands.executeCommand('setContext', 'sidelight.cursorOnLabel', onLabel);
  }
}
