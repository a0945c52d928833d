import * as vscode from 'vscode';
import { SpanStatus } from '../../core/annotations/sidecar';
import { Span } from '../../core/span';
import { activeNote, LabellingContext, modelSource, predictionAt, unreviewedPredictions } from './labellingContext';

/** The prediction a command acts on: passed by a hover/code-action link, or the one under the cursor. */
function target(ctx: LabellingContext, doc: vscode.TextDocument, arg: unknown, editor: vscode.TextEditor): Span | undefined {
  if (arg && typeof arg === 'object' && 'start' in arg && 'label' in arg) return arg as Span;
  return predictionAt(ctx, doc, doc.offsetAt(editor.selection.active));
}

/**
 * Accept or reject the prediction: either way it becomes an annotation (a rejection is kept as data, a
 * negative example for the next training run). Also acts on a pre-annotated suggestion under the cursor.
 */
export async function reviewPrediction(ctx: LabellingContext, status: Exclude<SpanStatus, 'suggested'>, arg?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const suggestion = ctx.annotations.spansAt(doc, doc.offsetAt(editor.selection.active)).find((s) => s.status === 'suggested');
  if (!arg && suggestion) {
    await ref.store.setStatus(ref.rel, [suggestion.id], status);
    return;
  }
  const p = target(ctx, doc, arg, editor);
  if (!p) {
    void vscode.window.showInformationMessage('Sidelight: no prediction under the cursor.');
    return;
  }
  await ref.store.addSpans(ref.rel, doc.getText(), [{ label: p.label, fragments: [[p.start, p.end]], source: modelSource(ctx, doc), status, score: p.score }]);
}

/** Accepts the prediction with another label. */
export async function relabelPrediction(ctx: LabellingContext, arg?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const p = target(ctx, doc, arg, editor);
  if (!p) {
    void vscode.window.showInformationMessage('Sidelight: no prediction under the cursor.');
    return;
  }
  const label = await ctx.picker.pick(await ctx.labels.schemaFor(ref.folder), `Change the label of "${p.text}" (predicted ${p.label})`);
  if (!label) return;
  await ref.store.addSpans(ref.rel, doc.getText(), [{ label: label.name, fragments: [[p.start, p.end]], source: modelSource(ctx, doc), status: 'accepted', score: p.score }]);
}

/** Moves the cursor to the next (or previous) prediction or suggestion not yet reviewed. */
export async function gotoUnreviewed(ctx: LabellingContext, direction: 1 | -1): Promise<void> {
  const { editor } = activeNote(ctx);
  const doc = editor.document;
  const starts = [
    ...unreviewedPredictions(ctx, doc).map((p) => [p.start, p.end]),
    ...ctx.annotations.spansOf(doc).filter((s) => s.status === 'suggested').map((s) => [s.fragments[0][0], s.fragments[s.fragments.length - 1][1]]),
  ].sort((a, b) => a[0] - b[0]);
  if (!starts.length) {
    void vscode.window.showInformationMessage('Sidelight: every prediction in this note is reviewed.');
    return;
  }
  const here = doc.offsetAt(editor.selection.active);
  const next = direction === 1 ? (starts.find(([s]) => s > here) ?? starts[0]) : ([...starts].reverse().find(([s]) => s < here) ?? starts[starts.length - 1]);
  const range = new vscode.Range(doc.positionAt(next[0]), doc.positionAt(next[1]));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
