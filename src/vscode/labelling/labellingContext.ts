import * as vscode from 'vscode';
import { Span } from '../../core/span';
import type { ConfigurationService } from '../configuration';
import { HighlightController } from '../highlights/highlightController';
import { ModelService } from '../highlights/modelService';
import { LabelSchemaService } from '../labelSchemaService';
import { AnnotationService, NoteRef } from './annotationService';
import { LabelPicker } from './labelPicker';
import { unreviewedPredictionsOf } from './reviewState';

/** What the labelling commands share. */
export interface LabellingContext {
  annotations: AnnotationService;
  labels: LabelSchemaService;
  highlights: HighlightController;
  models: ModelService;
  picker: LabelPicker;
  log: vscode.LogOutputChannel;
  config: ConfigurationService;
}

/**
 * The active editor's note, or an error a user can act on. With the focus outside any text editor (a
 * walkthrough button, the panel, a view) the one note on screen is meant, if there is exactly one.
 */
export function activeNote(ctx: LabellingContext): { editor: vscode.TextEditor; ref: NoteRef } {
  const visibleNotes = vscode.window.visibleTextEditors.filter((e) => ctx.annotations.ref(e.document.uri));
  const editor = vscode.window.activeTextEditor ?? (visibleNotes.length === 1 ? visibleNotes[0] : undefined);
  if (!editor) throw new Error(visibleNotes.length ? vscode.l10n.t('click into the note you mean first: several are open side by side') : vscode.l10n.t('open a note first'));
  const ref = ctx.annotations.ref(editor.document.uri);
  if (!ref) throw new Error(vscode.l10n.t('{0} is not a note in a workspace folder', vscode.workspace.asRelativePath(editor.document.uri)));
  return { editor, ref };
}

/** Predictions not yet reviewed: no annotation with the same label and range exists. */
export function unreviewedPredictions(ctx: LabellingContext, doc: vscode.TextDocument): Span[] {
  return unreviewedPredictionsOf(ctx.highlights, ctx.annotations, doc);
}

/** The prediction under the cursor (the innermost, i.e. shortest, when several cover it). */
export function predictionAt(ctx: LabellingContext, doc: vscode.TextDocument, offset: number): Span | undefined {
  return unreviewedPredictions(ctx, doc)
    .filter((p) => p.start <= offset && offset <= p.end)
    .sort((a, b) => a.end - a.start - (b.end - b.start))[0];
}

export function modelSource(ctx: LabellingContext, doc: vscode.TextDocument): string {
  // The model that drew the note's predictions, else (not drawn yet: a note the review queue just opened)
  // the folder's model; the sidecar format needs a name and a version either way.
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const state = folder && ctx.models.stateOf(folder);
  const info = ctx.highlights.predictionsOf(doc)?.model ?? (state?.kind === 'ready' ? state.info : undefined);
  return info ? `model:${info.name}@${info.version}` : 'model:unknown@unknown';
}
