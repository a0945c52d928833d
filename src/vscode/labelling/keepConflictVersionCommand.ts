import * as vscode from 'vscode';
import { inConflict, versionsOf } from '../../core/annotations/conflictVersions';
import { activeNote, LabellingContext } from './labellingContext';
import { NoteRef } from './annotationService';
import { describeSpan, pickSpan } from './spanPicker';

/** A version named from outside the editor (the conflict picker, the panel): the note's uri and the span id. */
export interface ConflictVersionRef {
  uri: string;
  id: string;
}

function isVersionRef(arg: unknown): arg is ConflictVersionRef {
  return typeof arg === 'object' && arg !== null && typeof (arg as ConflictVersionRef).uri === 'string' && typeof (arg as ConflictVersionRef).id === 'string';
}

/** The note and span id the command was given, or the version the user picks among those under the cursor. */
async function target(ctx: LabellingContext, arg: unknown): Promise<{ ref: NoteRef; id: string } | undefined> {
  if (isVersionRef(arg)) {
    const ref = ctx.annotations.ref(vscode.Uri.parse(arg.uri));
    if (!ref) throw new Error(vscode.l10n.t('{0} is not a note in a workspace folder', arg.uri));
    return { ref, id: arg.id };
  }
  const { editor, ref } = activeNote(ctx);
  if (typeof arg === 'string') return { ref, id: arg };
  const doc = editor.document;
  const here = ctx.annotations.spansAt(doc, doc.offsetAt(editor.selection.active)).filter(inConflict);
  if (!here.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no sync conflict under the cursor ("Show sync conflicts" lists them).'));
    return undefined;
  }
  const span = await pickSpan(here, vscode.l10n.t('Sidelight: keep which version? The others are removed.'));
  return span && { ref, id: span.id };
}

/**
 * "Keep this one" on a version of a span that a sync kept in two versions (hover, conflict picker, panel,
 * palette): the other versions are removed and the conflict is over, in the status bar, the panel and
 * "Show sync conflicts" as soon as the sidecar is written, and for the team at the next sync. Undo brings
 * the conflict back.
 */
export async function keepConflictVersion(ctx: LabellingContext, arg?: unknown): Promise<string[]> {
  const found = await target(ctx, arg);
  if (!found) return [];
  const { ref, id } = found;
  const spans = (await ref.store.get(ref.rel)).spans;
  const kept = spans.find((s) => s.id === id);
  if (!kept) throw new Error(vscode.l10n.t("that version is no longer in {0}'s labels", ref.rel));
  const others = versionsOf(spans, id).length - 1;
  const removed = await ref.store.keepConflictVersion(ref.rel, id);
  // Written now (when the note has no unsaved edits), so every view of the conflicts sees it resolved.
  await ref.store.flush();
  const { label } = describeSpan(kept);
  const message = !others
    ? vscode.l10n.t('Sidelight: kept {0} (Undo last labelling action brings them back).', label)
    : others === 1
      ? vscode.l10n.t('Sidelight: kept {0}; the other version was removed (Undo last labelling action brings it back).', label)
      : vscode.l10n.t('Sidelight: kept {0}; the other versions were removed (Undo last labelling action brings them back).', label);
  void vscode.window.showInformationMessage(message);
  return removed;
}
