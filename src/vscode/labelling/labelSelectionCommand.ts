import * as vscode from 'vscode';
import { ensureLabelSchema } from '../../core/annotations/labelSchema';
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
  // First use in a workspace without .sidelight/labels.json: write the default schema, so the labels
  // and their definitions are a file the team can read, edit and commit.
  const { created } = await ensureLabelSchema(ref.folder.uri.fsPath);
  if (created) ctx.log.info(`${ref.folder.name}: wrote the default label schema to .sidelight/labels.json`);
  const schema = await ctx.labels.schemaFor(ref.folder);
  const label = await ctx.picker.pick(schema, discontinuous ? `Label ${fragments.length} selections as one entity` : `Label ${fragments.length > 1 ? `${fragments.length} selections` : 'selection'}`);
  if (!label) return;
  const items = discontinuous ? [{ label: label.name, fragments }] : fragments.map((f) => ({ label: label.name, fragments: [f] }));
  await ref.store.addSpans(ref.rel, doc.getText(), items);
}
