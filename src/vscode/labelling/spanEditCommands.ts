import * as vscode from 'vscode';
import { AnnotationSpan, Fragment, spanEnd, spanStart } from '../../core/annotations/sidecar';
import { count } from '../../core/plural';
import { countText } from '../localize';
import { activeNote, LabellingContext } from './labellingContext';
import { selectionFragment } from './selectionSpans';
import { pickSpan } from './spanPicker';

/**
 * The labelled spans a command acts on: given by id (hover links), else one per cursor. A cursor on
 * several spans (overlapping labels, or the two versions of a sync conflict) asks which one it means.
 * Undefined when the user dismissed a question.
 */
async function spansUnderCursors(ctx: LabellingContext, editor: vscode.TextEditor, question: string, ids?: unknown): Promise<AnnotationSpan[] | undefined> {
  const doc = editor.document;
  if (typeof ids === 'string') return ctx.annotations.spansOf(doc).filter((s) => s.id === ids);
  const chosen = new Map<string, AnnotationSpan>();
  for (const sel of editor.selections) {
    const here = ctx.annotations.spansAt(doc, doc.offsetAt(sel.active));
    if (here.length === 0) continue;
    const span = await pickSpan(here, question);
    if (!span) return undefined;
    chosen.set(span.id, span);
  }
  return [...chosen.values()];
}

/** Removes the label(s) under the cursor(s); a sync conflict left with one version is resolved. */
export async function removeLabel(ctx: LabellingContext, id?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const spans = await spansUnderCursors(ctx, editor, vscode.l10n.t('Sidelight: remove which label?'), id);
  if (!spans) return;
  if (!spans.length) return void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no label under the cursor.'));
  await ref.store.removeSpansResolvingConflicts(ref.rel, spans.map((s) => s.id));
}

export async function changeLabel(ctx: LabellingContext, id?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const spans = await spansUnderCursors(ctx, editor, vscode.l10n.t('Sidelight: change which label?'), id);
  if (!spans) return;
  if (!spans.length) return void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no label under the cursor.'));
  const label = await ctx.picker.pick(await ctx.labels.schemaFor(ref.folder), vscode.l10n.t('Change the label of {0}', count(spans.length, 'span')));
  if (!label) return;
  await ref.store.changeLabel(ref.rel, spans.map((s) => s.id), label.name);
}

/**
 * Moves the boundaries of a label onto the selection (all fragments: one per selection). Only a selection
 * says where the label should be: with none, nothing changes (taking the word under the cursor would
 * silently shrink "Docusate sodium" to "sodium"). The label is the one the selection overlaps, or an
 * orphan (kept without a place after an outside edit, waiting for this); when there are several, the
 * user picks (the first to start is not necessarily the one meant).
 */
/** `id`: the label to move (a row of *Labels in this note*, e.g. an orphan to re-attach); else the user picks. */
export async function adjustBoundaries(ctx: LabellingContext, id?: unknown): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const selected = editor.selections.filter((s) => !s.isEmpty);
  const fragments = selected.map((s) => selectionFragment(doc, s)).filter((f): f is Fragment => !!f);
  if (!fragments.length) {
    return void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: select the new extent of the label first (nothing was changed).'));
  }
  const spans = ctx.annotations.spansOf(doc);
  const overlapping = spans.filter((s) => !s.flags.includes('orphan') && s.fragments.some(([a, b]) => fragments.some(([c, d]) => a < d && c < b)));
  const candidates = typeof id === 'string' ? spans.filter((s) => s.id === id) : [...overlapping, ...spans.filter((s) => s.flags.includes('orphan'))];
  if (!candidates.length) return void vscode.window.showInformationMessage(
      typeof id === 'string' ? vscode.l10n.t('Sidelight: that label is no longer in this note.') : vscode.l10n.t('Sidelight: the selection overlaps no label.'),
    );
  const span = candidates.length === 1 && typeof id === 'string' ? candidates[0] : await pickSpan(candidates, vscode.l10n.t('Sidelight: adjust the boundaries of which label?'));
  if (!span) return;
  await ref.store.setBoundaries(ref.rel, span.id, doc.getText(), fragments.sort((a, b) => a[0] - b[0]));
}

/** What to do with a note's pending suggestions when it is marked done: asked, unless passed. */
export type PendingChoice = 'review' | 'reject' | 'keep';

/** The buttons of the question, by their (translated) titles: the answer is the title of the button clicked. */
function pendingChoices(): Record<string, PendingChoice> {
  return { [vscode.l10n.t('Review them')]: 'review', [vscode.l10n.t('Reject them and mark done')]: 'reject', [vscode.l10n.t('Mark done anyway')]: 'keep' };
}

/**
 * Toggles the note's `done` flag and says which way it went (a notification, not a status bar flash that
 * is easy to miss: running it on a done note un-marks it). Marking done a note that still has pending
 * suggestions first asks: review them (the cursor goes to the first, the note stays not done), reject
 * them and mark done, or mark done anyway; `{ pending }` answers in advance (tests, keybinding args).
 * Returns the new state and the message, or undefined when the question was dismissed.
 */
export async function markDone(ctx: LabellingContext, options?: unknown): Promise<{ done: boolean; message: string } | undefined> {
  const { editor, ref } = activeNote(ctx);
  const note = await ctx.annotations.sidecarView(ref);
  const done = !note.done;
  if (done) {
    const pending = note.spans.filter((s) => s.status === 'suggested');
    if (pending.length) {
      const given = options && typeof options === 'object' && 'pending' in options ? (options as { pending: unknown }).pending : undefined;
      const choices = pendingChoices();
      const question =
        pending.length === 1
          ? vscode.l10n.t('Sidelight: {0} still has 1 pending suggestion from the model. Marked done, it counts as neither accepted nor rejected.', ref.rel)
          : vscode.l10n.t('Sidelight: {0} still has {1} pending suggestions from the model. Marked done, they count as neither accepted nor rejected.', ref.rel, countText(pending.length));
      const choice: PendingChoice | undefined =
        given === 'review' || given === 'reject' || given === 'keep' ? given : choices[(await vscode.window.showWarningMessage(question, ...Object.keys(choices))) ?? ''];
      if (!choice) return undefined;
      if (choice === 'review') {
        const first = [...pending].sort((a, b) => spanStart(a) - spanStart(b))[0];
        const live = ctx.annotations.spansOf(editor.document).find((s) => s.id === first.id) ?? first;
        const range = new vscode.Range(editor.document.positionAt(spanStart(live)), editor.document.positionAt(spanEnd(live)));
        await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: range });
        const message = vscode.l10n.t('Sidelight: {0} is not marked done: review its {1} (Ctrl+Alt+Y accept, Ctrl+Alt+N reject, Ctrl+Alt+] next).', ref.rel, count(pending.length, 'suggestion'));
        void vscode.window.setStatusBarMessage(message, 5000);
        return { done: false, message };
      }
      if (choice === 'reject') await ref.store.setStatus(ref.rel, pending.map((s) => s.id), 'rejected');
    }
  }
  await ref.store.setDone(ref.rel, done);
  const message = done
    ? vscode.l10n.t('Sidelight: {0} is now marked done (run the command again to un-mark it).', ref.rel)
    : vscode.l10n.t('Sidelight: {0} is now marked NOT done (it was done).', ref.rel);
  void vscode.window.showInformationMessage(message);
  return { done, message };
}

export async function undoLabelling(ctx: LabellingContext, redo = false): Promise<void> {
  const { ref } = activeNote(ctx);
  const moved = redo ? await ref.store.redo(ref.rel) : await ref.store.undo(ref.rel);
  const message = moved
    ? redo
      ? vscode.l10n.t('Sidelight: redid the last labelling action in {0}', ref.rel)
      : vscode.l10n.t('Sidelight: undid the last labelling action in {0}', ref.rel)
    : redo
      ? vscode.l10n.t('Sidelight: nothing to redo')
      : vscode.l10n.t('Sidelight: nothing to undo');
  void vscode.window.setStatusBarMessage(message, 3000);
}
