import * as vscode from 'vscode';
import { ensureLabelSchema } from '../../core/annotations/labelSchema';
import { choosePlan, occurrenceContext, OccurrencePlan, planDetails, planMessage, planOccurrences, planTitle } from '../../core/annotations/occurrences';
import { AnnotationSpan, Fragment } from '../../core/annotations/sidecar';
import { quickPickAnswer } from '../quickPickAnswer';
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
  /** The row that opens the chooser over this plan's occurrences instead of labelling them all. */
  choose?: boolean;
}

interface OccurrenceItem extends vscode.QuickPickItem {
  fragment: Fragment;
}

/** What the user chose: occurrences one by one, against the note as it was when the chooser opened. */
interface Chosen {
  fragments: Fragment[];
  version: number;
}

/**
 * "Label all occurrences": with the cursor in a label (or the selection on one), labels every other
 * whole-word occurrence of its text in the note with its label; with no label there, the selection's text
 * (or the word under the cursor) with a label chosen in the label picker. A quick pick confirms, with the
 * counts, case-sensitive first and "ignoring case" offered when that finds more; the occurrences of the
 * active row are outlined in the editor meanwhile. A last row, *Choose which to label…*, lists the
 * occurrences one by one with their line, all checked, for the notes where one string is a drug here and a
 * lab value there ("potassium chloride" vs "potassium 5.9": round 3 of data/notes-labelled). Occurrences
 * overlapping any span are skipped, except a pending suggestion of the label exactly there, which is
 * accepted (AnnotationStore.labelSpans), and everything is one undo step. `options.ignoreCase` makes the
 * ignoring-case row the active one, `options.choose` the choosing row.
 */
export async function labelAllOccurrences(ctx: LabellingContext, options?: unknown): Promise<LabelAllSummary | undefined> {
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const option = (name: 'ignoreCase' | 'choose') => typeof options === 'object' && options !== null && (options as Record<string, unknown>)[name] === true;
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
  const confirmed = await confirm(editor, choices, option('ignoreCase'), option('choose'));
  if (!confirmed) return undefined;
  if (!confirmed.choose) return applyOccurrences(ctx, ref, doc, needle, label, confirmed.plan.ignoreCase);
  const chosen = await chooseOccurrences(editor, confirmed.plan);
  if (!chosen) return undefined;
  return applyOccurrences(ctx, ref, doc, needle, label, confirmed.plan.ignoreCase, chosen);
}

/**
 * Labels the occurrences as planned against the note as it is now (the text may have changed while a
 * quick pick or a notification was open), in one undo step, and says what it did. Occurrences chosen one
 * by one are offsets into the note as it was: if it changed since, nothing is labelled and the message
 * says so (an offset that moved would label other words).
 */
export async function applyOccurrences(
  ctx: LabellingContext,
  ref: NoteRef,
  doc: vscode.TextDocument,
  needle: string,
  label: string,
  ignoreCase: boolean,
  chosen?: Chosen,
): Promise<LabelAllSummary> {
  const text = doc.getText();
  const all = planOccurrences(text, await ctx.annotations.annotations(doc.uri), needle, label, { ignoreCase });
  if (chosen && chosen.version !== doc.version) {
    const message = changedWhileChoosing();
    void vscode.window.showWarningMessage(message);
    return summaryOf(all, message, 0);
  }
  const plan = chosen ? choosePlan(all, chosen.fragments) : all;
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

/** How the occurrences about to be labelled are outlined in the editor while a pick is open. */
function previewDecoration(): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
    borderStyle: 'solid',
    borderWidth: '1px',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
}

const changedWhileChoosing = () => vscode.l10n.t('Sidelight: the note changed while you chose; nothing was labelled. Run Label all occurrences again.');

const rangeOf = (doc: vscode.TextDocument, [start, end]: Fragment) => new vscode.Range(doc.positionAt(start), doc.positionAt(end));

/**
 * The confirmation: one row per plan, its occurrences outlined in the editor while the row is active, and
 * a last row that chooses among the widest plan's occurrences one by one.
 */
async function confirm(editor: vscode.TextEditor, plans: OccurrencePlan[], preferIgnoreCase: boolean, preferChoose: boolean): Promise<PlanItem | undefined> {
  const preview = previewDecoration();
  const doc = editor.document;
  const items: PlanItem[] = plans.map((plan) => ({ label: planTitle(plan, vscode.l10n), detail: planDetails(plan, vscode.l10n) || undefined, plan }));
  const widest = plans[plans.length - 1];
  if (widest.toLabel.length > 1) items.push({ label: `$(checklist) ${vscode.l10n.t('Choose which to label…')}`, detail: vscode.l10n.t('each occurrence with its line, all checked: uncheck those that are not {0}', widest.label), plan: widest, choose: true });
  const qp = vscode.window.createQuickPick<PlanItem>();
  qp.title = vscode.l10n.t('Sidelight: label all occurrences (whole words)');
  qp.placeholder = vscode.l10n.t('Enter to label them, Escape to cancel');
  qp.items = items;
  const preferred = items.find((i) => (preferChoose ? i.choose : !i.choose && i.plan.ignoreCase === preferIgnoreCase));
  if (preferred) qp.activeItems = [preferred];
  const show = (item: PlanItem | undefined) => editor.setDecorations(preview, item ? item.plan.toLabel.map((o) => rangeOf(doc, o.fragment)) : []);
  show(qp.activeItems[0] ?? items[0]);
  try {
    return await quickPickAnswer<PlanItem, PlanItem>(qp, (answer) => [
      qp.onDidChangeActive((active) => show(active[0])),
      qp.onDidAccept(() => answer(qp.selectedItems[0] ?? qp.activeItems[0])),
    ]);
  } finally {
    preview.dispose();
  }
}

/**
 * The chooser: one checked row per occurrence, "Labs: ⟨potassium⟩ 5.9 · line 12", the active one selected
 * in the note (as *Link to…* previews; the selection is given back after), the checked ones outlined.
 * Enter labels the checked ones; Escape labels nothing. An edit of the note closes it: its offsets would
 * no longer be the note's.
 */
async function chooseOccurrences(editor: vscode.TextEditor, plan: OccurrencePlan): Promise<Chosen | undefined> {
  const doc = editor.document;
  const text = doc.getText();
  const version = doc.version;
  const checked = previewDecoration();
  const active = vscode.window.createTextEditorDecorationType({ outlineColor: new vscode.ThemeColor('focusBorder'), outlineStyle: 'solid', outlineWidth: '2px' });
  const items: OccurrenceItem[] = plan.toLabel.map(({ fragment, text: found }) => {
    const { line, before, after } = occurrenceContext(text, fragment);
    return { label: `${before}⟨${found}⟩${after}`, description: vscode.l10n.t('line {0}', line), fragment };
  });
  const qp = vscode.window.createQuickPick<OccurrenceItem>();
  qp.title = vscode.l10n.t("Sidelight: which occurrences of '{0}' are {1}?", plan.needle, plan.label);
  qp.placeholder = vscode.l10n.t('Uncheck those that are not {0}; Enter labels the checked ones, Escape cancels', plan.label);
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.items = items;
  qp.selectedItems = items;
  // Made active, so that the first key down goes to the second row (a multi-select pick starts with none).
  qp.activeItems = items.slice(0, 1);
  const showChecked = () => editor.setDecorations(checked, qp.selectedItems.map((i) => rangeOf(doc, i.fragment)));
  const showActive = (item: OccurrenceItem | undefined) => {
    editor.setDecorations(active, item ? [rangeOf(doc, item.fragment)] : []);
    if (!item) return;
    const range = rangeOf(doc, item.fragment);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
  const selection = editor.selection;
  showChecked();
  showActive(items[0]);
  let chosen: Chosen | undefined;
  try {
    chosen = await quickPickAnswer<OccurrenceItem, Chosen>(qp, (answer) => [
      qp.onDidChangeActive((a) => showActive(a[0])),
      qp.onDidChangeSelection(showChecked),
      qp.onDidAccept(() => answer({ fragments: qp.selectedItems.map((i) => i.fragment), version })),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === doc && e.contentChanges.length && answer(undefined)),
    ]);
  } finally {
    checked.dispose();
    active.dispose();
  }
  if (doc.version === version) editor.selection = selection;
  // Closed by an edit (one after Enter is applyOccurrences' to report).
  else if (!chosen) void vscode.window.showWarningMessage(changedWhileChoosing());
  return chosen;
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
