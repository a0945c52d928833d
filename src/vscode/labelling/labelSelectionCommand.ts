import * as vscode from 'vscode';
import { ensureLabelSchema } from '../../core/annotations/labelSchema';
import { Fragment } from '../../core/annotations/sidecar';
import { offerOtherOccurrences } from './labelAllOccurrencesCommand';
import { activeNote, LabellingContext } from './labellingContext';
import { keepingPlace, selectionFragment } from './selectionSpans';
import { count } from '../../core/plural';
import { countText } from '../localize';

/**
 * "Label selection": every selection (multi-cursor too) becomes a span of the chosen label. With
 * `discontinuous`, all selections together become ONE entity with several fragments (brat's `0 6;16 21`).
 * A selection covering exactly a suggestion (pre-annotated) accepts that suggestion under the chosen label.
 * When one span was labelled and its text occurs elsewhere in the note, unlabelled, a notification offers
 * to label those occurrences too ("Label all occurrences" without its confirmation).
 */
export async function labelSelection(ctx: LabellingContext, discontinuous = false): Promise<void> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const fragments = editor.selections.map((s) => selectionFragment(doc, s)).filter((f): f is Fragment => !!f);
  if (!fragments.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: select the text to label first.'));
    return;
  }
  const wanted = discontinuous ? [fragments] : fragments.map((f) => [f]);
  const choose = async () => {
    // First use in a workspace without .sidelight/labels.json: write the default schema, so the labels
    // and their definitions are a file the team can read, edit and commit.
    const { created } = await ensureLabelSchema(ref.folder.uri.fsPath);
    if (created) ctx.log.info(`${ref.folder.name}: wrote the default label schema to .sidelight/labels.json`);
    const schema = await ctx.labels.schemaFor(ref.folder);
    const title = discontinuous
      ? vscode.l10n.t('Label {0} selections as one entity', fragments.length)
      : fragments.length > 1
        ? vscode.l10n.t('Label {0} selections', fragments.length)
        : vscode.l10n.t('Label selection');
    return ctx.picker.pick(schema, title);
  };
  // The selection's offsets move with whatever is typed until the label is there (see keepingPlace).
  const { result: label, items: now } = await keepingPlace(doc, wanted, choose());
  if (!label) return;
  const kept = now.filter((f): f is Fragment[] => !!f);
  const lost = now.length - kept.length;
  if (lost) {
    void vscode.window.showWarningMessage(
      lost === 1
        ? vscode.l10n.t('Sidelight: 1 selection was edited while the label was picked and was not labelled.')
        : vscode.l10n.t('Sidelight: {0} selections were edited while the label was picked and were not labelled.', countText(lost)),
    );
  }
  if (!kept.length) return;
  const items = kept.map((f) => ({ label: label.name, fragments: f }));
  // A selection that is exactly a pending suggestion accepts it (with the chosen label) instead of adding
  // a duplicate span on the same text; see AnnotationStore.labelSpans.
  const result = await ref.store.labelSpans(ref.rel, doc.getText(), items);
  if (result.reviewed.length) {
    const accepted = count(result.reviewed.length, 'suggestion');
    const message = result.added.length
      ? vscode.l10n.t('Sidelight: accepted {0} as {1}, labelled {2}', accepted, label.name, count(result.added.length, 'new span'))
      : vscode.l10n.t('Sidelight: accepted {0} as {1}', accepted, label.name);
    void vscode.window.setStatusBarMessage(message, 3000);
  }
  // One span labelled: offer its other unlabelled occurrences in the note (a notification with a button).
  if (items.length === 1 && result.spans.length === 1) offerOtherOccurrences(ctx, ref, doc, result.spans[0]);
}
