import * as vscode from 'vscode';
import { ensureLabelSchema } from '../../core/annotations/labelSchema';
import { OccurrencePlan, planDetails, planMessage, planOccurrences, planTitle } from '../../core/annotations/occurrences';
import { AnnotationSpan } from '../../core/annotations/sidecar';
import { NoteRef } from './annotationService';
import { activeNote, LabellingContext } from './labellingContext';
import { selectionFragment } from './selectionSpans';

/** What "Label all occurrences" did (returned by the command, for tests and scripts). */
export interface LabelAllSummary {
  needle: string;
  label: string;
  ignoreCase: boolean;
  /** Occurrences labelled: new spans plus suggestions accepted. */
  labelled: number;
  added: number;
  accepted: number;
  /** Occurrences left alone because they overlap another span (or a rejection of this text). */
  skipped: number;
  already: number;
  message: string;
}

interface PlanItem extends vscode.QuickPickItem {
  plan: OccurrencePlan;
}

/**
 * "Label all occurrences": with the cursor in a label (or the selection on one), labels every other
 * whole-word occurrence of its text in the note with its label; with no label there, the selection's text
 * (or the word under the cursor) with a label chosen in the label picker. A quick pick confirms, with the
 * counts, case-sensitive first and "ignoring case" offered when that finds more; the occurrences of the
 * active row are outlined in the editor meanwhile. Occurrences overlapping any span are skipped, except a
 * pending suggestion of the label exactly there, which is accepted (AnnotationStore.labelSpans), and
 * everything is one undo step. `options.ignoreCase` makes the ignoring-case row the active one.
 */
export async function labelAllOccurrences(ctx: LabellingContext, options?: unknown): Promise<LabelAllSummary | undefined> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const preferIgnoreCase = typeof options === 'object' && options !== null && (options as { ignoreCase?: unknown }).ignoreCase === true;
  const spans = await ctx.annotations.annotations(doc.uri);
  const text = doc.getText();
  const source = sourceSpan(doc, editor.selection, spans);
  let needle: string;
  let label: string;
  if (source) {
    needle = text.slice(source.fragments[0][0], source.fragments[0][1]);
    label = source.label;
  } else {
    const fragment = selectionFragment(doc, editor.selection);
    if (!fragment) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: put the cursor in a label, or select the text whose occurrences to label.'));
      return undefined;
    }
    needle = text.slice(fragment[0], fragment[1]);
    const { created } = await ensureLabelSchema(ref.folder.uri.fsPath);
    if (created) ctx.log.info(`${ref.folder.name}: wrote the default label schema to .sidelight/labels.json`);
    const picked = await ctx.picker.pick(await ctx.labels.schemaFor(ref.folder), vscode.l10n.t("Label every occurrence of '{0}'", needle));
    if (!picked) return undefined;
    label = picked.name;
  }
  const exact = planOccurrences(text, spans, needle, label);
  const folded = planOccurrences(text, spans, needle, label, { ignoreCase: true });
  const choices = [exact, folded].filter((p, i) => p.toLabel.length > 0 && (i === 0 || p.occurrences.length > exact.occurrences.length));
  if (!choices.length) {
    const plan = folded.occurrences.length > exact.occurrences.length ? folded : exact;
    const message = plan.skipped
      ? vscode.l10n.t("Sidelight: no other unlabelled occurrence of '{0}' in this note ({1} skipped: overlapping another span).", needle, plan.skipped)
      : vscode.l10n.t("Sidelight: no other unlabelled occurrence of '{0}' in this note.", needle);
    void vscode.window.showInformationMessage(message);
    return summaryOf(plan, message, 0);
  }
  const chosen = await confirm(editor, choices, preferIgnoreCase);
  if (!chosen) return undefined;
  return applyOccurrences(ctx, ref, doc, needle, label, chosen.ignoreCase);
}

/**
 * Labels the occurrences as planned against the note as it is now (the text may have changed while a
 * quick pick or a notification was open), in one undo step, and says what it did.
 */
export async function applyOccurrences(
  ctx: LabellingContext,
  ref: NoteRef,
  doc: vscode.TextDocument,
  needle: string,
  label: string,
  ignoreCase: boolean,
): Promise<LabelAllSummary> {
  const text = doc.getText();
  const plan = planOccurrences(text, await ctx.annotations.annotations(doc.uri), needle, label, { ignoreCase });
  const result = plan.toLabel.length
    ? await ref.store.labelSpans(ref.rel, text, plan.toLabel.map((o) => ({ label, fragments: [o.fragment] })))
    : { added: [], reviewed: [] };
  const message = planMessage(plan, vscode.l10n);
  void vscode.window.showInformationMessage(message);
  return { ...summaryOf(plan, message, result.added.length + result.reviewed.length), added: result.added.length, accepted: result.reviewed.length };
}

/**
 * After "Label selection" labelled one span: if its text occurs elsewhere in the note unlabelled, a
 * notification offers to label those too (case-sensitive, whole words; the full command offers more).
 * Not awaited by the caller: the labelling is done whether or not the user answers.
 */
export function offerOtherOccurrences(ctx: LabellingContext, ref: NoteRef, doc: vscode.TextDocument, span: AnnotationSpan): void {
  if (span.fragments.length !== 1 || span.flags.includes('orphan')) return;
  const needle = doc.getText().slice(span.fragments[0][0], span.fragments[0][1]);
  const plan = planOccurrences(doc.getText(), ctx.annotations.spansOf(doc), needle, span.label);
  const n = plan.toLabel.length;
  if (n === 0) return;
  const button = vscode.l10n.t('Label {0} more', n);
  const question =
    n === 1
      ? vscode.l10n.t("Sidelight: also label the 1 other occurrence of '{0}' as {1}?", needle, span.label)
      : vscode.l10n.t("Sidelight: also label the {0} other occurrences of '{1}' as {2}?", n, needle, span.label);
  void vscode.window
    .showInformationMessage(question, button)
    .then((choice) => (choice === button ? applyOccurrences(ctx, ref, doc, needle, span.label, false) : undefined))
    .then(undefined, (e: unknown) => ctx.log.error(`labelling the other occurrences of '${needle}': ${String(e)}`));
}

/**
 * The label the command starts from: with a selection, a label exactly on it (after the selection is
 * trimmed to words as "Label selection" does); with an empty one, the label under the cursor (accepted
 * before suggested, then the shortest). Rejected, orphaned and discontinuous labels do not count.
 */
function sourceSpan(doc: vscode.TextDocument, selection: vscode.Selection, spans: readonly AnnotationSpan[]): AnnotationSpan | undefined {
  const usable = spans.filter((s) => s.status !== 'rejected' && !s.flags.includes('orphan') && s.fragments.length === 1);
  let found: AnnotationSpan[];
  if (!selection.isEmpty) {
    const f = selectionFragment(doc, selection);
    found = f ? usable.filter((s) => s.fragments[0][0] === f[0] && s.fragments[0][1] === f[1]) : [];
  } else {
    const offset = doc.offsetAt(selection.active);
    found = usable.filter((s) => s.fragments[0][0] <= offset && offset <= s.fragments[0][1]);
  }
  const width = (s: AnnotationSpan) => s.fragments[0][1] - s.fragments[0][0];
  return found.sort((a, b) => Number(b.status === 'accepted') - Number(a.status === 'accepted') || width(a) - width(b))[0];
}

/** The confirmation: one row per plan, its occurrences outlined in the editor while the row is active. */
async function confirm(editor: vscode.TextEditor, plans: OccurrencePlan[], preferIgnoreCase: boolean): Promise<OccurrencePlan | undefined> {
  const preview = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
    borderStyle: 'solid',
    borderWidth: '1px',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  const doc = editor.document;
  const items: PlanItem[] = plans.map((plan) => ({ label: planTitle(plan, vscode.l10n), detail: planDetails(plan, vscode.l10n) || undefined, plan }));
  const qp = vscode.window.createQuickPick<PlanItem>();
  qp.title = vscode.l10n.t('Sidelight: label all occurrences (whole words)');
  qp.placeholder = vscode.l10n.t('Enter to label them, Escape to cancel');
  qp.items = items;
  const preferred = items.find((i) => i.plan.ignoreCase === preferIgnoreCase);
  if (preferred) qp.activeItems = [preferred];
  const show = (item: PlanItem | undefined) =>
    editor.setDecorations(preview, item ? item.plan.toLabel.map((o) => new vscode.Range(doc.positionAt(o.fragment[0]), doc.positionAt(o.fragment[1]))) : []);
  try {
    return await new Promise<OccurrencePlan | undefined>((resolve) => {
      let done = false;
      const finish = (p: OccurrencePlan | undefined) => {
        if (done) return;
        done = true;
        resolve(p);
        qp.hide();
      };
      qp.onDidChangeActive((active) => show(active[0]));
      qp.onDidAccept(() => finish((qp.selectedItems[0] ?? qp.activeItems[0])?.plan));
      qp.onDidHide(() => finish(undefined));
      qp.show();
      show(qp.activeItems[0] ?? items[0]);
    });
  } finally {
    qp.dispose();
    preview.dispose();
  }
}

function summaryOf(plan: OccurrencePlan, message: string, labelled: number): LabelAllSummary {
  return {
    needle: plan.needle,
    label: plan.label,
    ignoreCase: plan.ignoreCase,
    labelled,
    added: labelled ? plan.added : 0,
    accepted: labelled ? plan.accepted : 0,
    skipped: plan.skipped,
    already: plan.already,
    message,
  };
}
