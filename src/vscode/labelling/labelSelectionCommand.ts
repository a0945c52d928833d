import * as vscode from 'vscode';
import { Fragment } from '../../core/annotations/sidecar';
import { activeNote, LabellingContext } from './labellingContext';
import { selectionFragment } from './selectionSpans';

/**
 * "Label selection": every selection (multi-cursor too) becomes a span of the chosen label. With
 * `discontinuous`, all selections together become ONE entity with several fragments (brat's `0 6;16 21`).
 */
export async function labelSelection(ctx: LabellingContext, discontinuous = false): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const fragments = editor.selections.map((s) => selectionFragment(doc, s)).filter((f): f is Fragment => !!f);
  if (!fragments.length) {
    void vscode.window.showInformationMessage('Sidelight: select the text to label first.');
    return;
  }
  const schema = await ctx.labels.schemaFor(ref.folder);
  const label = await ctx.picker.pick(schema, discontinuous ? `Label ${fragments.length} selections as one entity` : `Label ${fragments.length > 1 ? `${fragments.length} selections` : 'selection'}`);
  if (!label) return;
  const items = discontinuous ? [{ label: label.name, fragments }] : fragments.map((f) => ({ label: label.name, fragments: [f] }));
  await ref.store.addSpans(ref.rel, doc.getText(), items);
}
