import * as vscode from 'vscode';
import { AnnotationSpan, Fragment } from '../../core/annotations/sidecar';
import { activeNote, LabellingContext } from './labellingContext';
import { selectionFragment } from './selectionSpans';

/** The labelled spans a command acts on: given by id (hover links), else those under the cursors. */
function spansUnderCursor(ctx: LabellingContext, editor: vscode.TextEditor, ids?: unknown): AnnotationSpan[] {
  const all = ctx.annotations.spansOf(editor.document);
  if (typeof ids === 'string') return all.filter((s) => s.id === ids);
  const found = new Map<string, AnnotationSpan>();
  for (const sel of editor.selections) {
    for (const s of ctx.annotations.spansAt(editor.document, editor.document.offsetAt(sel.active))) found.set(s.id, s);
  }
  return [...found.values()];
}

export async function removeLabel(ctx: LabellingContext, id?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const spans = spansUnderCursor(ctx, editor, id);
  if (!spans.length) return void vscode.window.showInformationMessage('Sidelight: no label under the cursor.');
  await ref.store.removeSpans(ref.rel, spans.map((s) => s.id));
}

export async function changeLabel(ctx: LabellingContext, id?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const spans = spansUnderCursor(ctx, editor, id);
  if (!spans.length) return void vscode.window.showInformationMessage('Sidelight: no label under the cursor.');
  const label = await ctx.picker.pick(await ctx.labels.schemaFor(ref.folder), `Change the label of ${spans.length} span(s)`);
  if (!label) return;
  await ref.store.changeLabel(ref.rel, spans.map((s) => s.id), label.name);
}

/** Moves the boundaries of the label that overlaps the selection onto the selection (all fragments: one per selection). */
export async function adjustBoundaries(ctx: LabellingContext): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const fragments = editor.selections.map((s) => selectionFragment(doc, s)).filter((f): f is Fragment => !!f);
  if (!fragments.length) return void vscode.window.showInformationMessage('Sidelight: select the new extent of the label first.');
  const overlapping = ctx.annotations
    .spansOf(doc)
    .filter((s) => s.fragments.some(([a, b]) => fragments.some(([c, d]) => a < d && c < b)) || s.flags.includes('orphan'));
  const span = overlapping.find((s) => !s.flags.includes('orphan')) ?? overlapping[0];
  if (!span) return void vscode.window.showInformationMessage('Sidelight: the selection overlaps no label.');
  await ref.store.setBoundaries(ref.rel, span.id, doc.getText(), fragments.sort((a, b) => a[0] - b[0]));
}

/**
 * Toggles the note's `done` flag and says which way it went (a notification, not a status bar flash that
 * is easy to miss: running it on a done note un-marks it). Returns the new state and the message.
 */
export async function markDone(ctx: LabellingContext): Promise<{ done: boolean; message: string }> {
  const { ref } = activeNote(ctx);
  const done = !(await ref.store.get(ref.rel)).done;
  await ref.store.setDone(ref.rel, done);
  const message = done
    ? `Sidelight: ${ref.rel} is now marked done (run the command again to un-mark it).`
    : `Sidelight: ${ref.rel} is now marked NOT done (it was done).`;
  void vscode.window.showInformationMessage(message);
  return { done, message };
}

export async function undoLabelling(ctx: LabellingContext, redo = false): Promise<void> {
  const { ref } = activeNote(ctx);
  const moved = redo ? await ref.store.redo(ref.rel) : await ref.store.undo(ref.rel);
  if (!moved) void vscode.window.setStatusBarMessage(`Sidelight: nothing to ${redo ? 'redo' : 'undo'}`, 3000);
}
