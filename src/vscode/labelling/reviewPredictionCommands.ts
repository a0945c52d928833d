import * as vscode from 'vscode';
import { AnnotationSpan, SpanStatus } from '../../core/annotations/sidecar';
import { count } from '../../core/plural';
import { Span } from '../../core/span';
import { activeNote, LabellingContext, modelSource, predictionAt, unreviewedPredictions } from './labellingContext';

/** The prediction a command acts on: passed by a hover/code-action link, or the one under the cursor. */
function target(ctx: LabellingContext, doc: vscode.TextDocument, arg: unknown, editor: vscode.TextEditor): Span | undefined {
  if (arg && typeof arg === 'object' && 'start' in arg && 'label' in arg) return arg as Span;
  return predictionAt(ctx, doc, doc.offsetAt(editor.selection.active));
}

/**
 * The stored suggestion (pre-annotated span) a command acts on: its id, passed by a hover/code-action
 * link; with no argument, the suggestion under the cursor (keyboard). Undefined when the argument is a
 * live prediction, or nothing matches.
 */
function suggestionTarget(ctx: LabellingContext, editor: vscode.TextEditor, arg: unknown): AnnotationSpan | undefined {
  const doc = editor.document;
  if (typeof arg === 'string') return ctx.annotations.spansOf(doc).find((s) => s.id === arg);
  if (arg) return undefined;
  return ctx.annotations.spansAt(doc, doc.offsetAt(editor.selection.active)).find((s) => s.status === 'suggested');
}

/**
 * Accept or reject the prediction: either way it becomes an annotation (a rejection is kept as data, a
 * negative example for the next training run). Also acts on a pre-annotated suggestion: the one whose id
 * a hover link passes, or the one under the cursor; it keeps its id and only changes status.
 */
export async function reviewPrediction(ctx: LabellingContext, status: Exclude<SpanStatus, 'suggested'>, arg?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const suggestion = suggestionTarget(ctx, editor, arg);
  if (suggestion) {
    await ref.store.setStatus(ref.rel, [suggestion.id], status);
    return;
  }
  const p = typeof arg === 'string' ? undefined : target(ctx, doc, arg, editor);
  if (!p) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no prediction under the cursor.'));
    return;
  }
  await ref.store.addSpans(ref.rel, doc.getText(), [{ label: p.label, fragments: [[p.start, p.end]], source: modelSource(ctx, doc), status, score: p.score }]);
}

/** Accepts the prediction (or stored suggestion, as for `reviewPrediction`) with another label. */
/** Returns whether a label was chosen (false: nothing there, or the pick was dismissed). */
export async function relabelPrediction(ctx: LabellingContext, arg?: unknown): Promise<boolean> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const suggestion = suggestionTarget(ctx, editor, arg);
  const p = !suggestion && typeof arg !== 'string' ? target(ctx, doc, arg, editor) : undefined;
  if (!suggestion && !p) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no prediction under the cursor.'));
    return false;
  }
  const [text, predicted] = suggestion ? [suggestion.quote.text, suggestion.label] : [p!.text, p!.label];
  const label = await ctx.picker.pick(await ctx.labels.schemaFor(ref.folder), vscode.l10n.t('Change the label of "{0}" (predicted {1})', text, predicted));
  if (!label) return false;
  if (suggestion) await ref.store.setStatus(ref.rel, [suggestion.id], 'accepted', label.name);
  else await ref.store.addSpans(ref.rel, doc.getText(), [{ label: label.name, fragments: [[p!.start, p!.end]], source: modelSource(ctx, doc), status: 'accepted', score: p!.score }]);
  return true;
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
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: every prediction in this note is reviewed.'));
    return;
  }
  const here = doc.offsetAt(editor.selection.active);
  const ahead = direction === 1 ? starts.find(([s]) => s > here) : [...starts].reverse().find(([s]) => s < here);
  const next = ahead ?? (direction === 1 ? starts[0] : starts[starts.length - 1]);
  // Past the last one (or before the first) it wraps around: say so, or it looks like a jump back.
  const left = vscode.l10n.t('{0} in this note', count(starts.length, 'unreviewed prediction'));
  if (!ahead) {
    const wrapped =
      direction === 1
        ? vscode.l10n.t('Sidelight: end of the note, back to the first unreviewed prediction ({0})', left)
        : vscode.l10n.t('Sidelight: top of the note, on to the last unreviewed prediction ({0})', left);
    vscode.window.setStatusBarMessage(wrapped, 4000);
  } else vscode.window.setStatusBarMessage(vscode.l10n.t('Sidelight: {0}', left), 2500);
  const range = new vscode.Range(doc.positionAt(next[0]), doc.positionAt(next[1]));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  // Run from outside the editor (a walkthrough button): the focus goes to the note, ready for Accept/Reject.
  if (vscode.window.activeTextEditor !== editor) await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, selection: range });
}
