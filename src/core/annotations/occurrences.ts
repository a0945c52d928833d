import { fragmentsOverlap } from './fragments';
import { AnnotationSpan, Fragment } from './sidecar';
import { countText, englishL10n, type L10n } from '../l10n';

/**
 * "Label all occurrences": where else in a note the text of a label occurs, and what labelling each
 * occurrence would do, given the spans the note already has. Pure (no editor), so the rules are tested
 * without VS Code.
 */

/** Letters and digits (any script): what a "word" is made of, as `selectionFragment` counts it. */
const WORD_CHAR = /[\p{L}\p{N}]/u;

export interface OccurrenceOptions {
  /** Match regardless of case (Unicode simple case folding); default false: exact case. */
  ignoreCase?: boolean;
}

/**
 * Every whole-word occurrence of `needle` in `text`, as UTF-16 fragments, in order, not overlapping.
 * Whole word: an occurrence that starts (ends) with a letter or digit must not have one just before
 * (after) it, so "iron" is not found inside "environment" nor "ironic"; an edge that is punctuation
 * needs no boundary ("5-FU", "Tylenol #3"). An empty (or all-space) needle finds nothing.
 */
export function findWholeWordOccurrences(text: string, needle: string, options: OccurrenceOptions = {}): Fragment[] {
  if (needle.trim() === '') return [];
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = WORD_CHAR.test(needle[0]) ? '(?<![\\p{L}\\p{N}])' : '';
  const after = WORD_CHAR.test(needle[needle.length - 1]) ? '(?![\\p{L}\\p{N}])' : '';
  const re = new RegExp(`${before}${escaped}${after}`, options.ignoreCase ? 'giu' : 'gu');
  const out: Fragment[] = [];
  for (const m of text.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** What labelling one occurrence does. */
export type OccurrenceAction =
  /** No span overlaps it: a new span. */
  | 'add'
  /** Pending suggestion(s) of the label sit exactly on it (and nothing else overlaps): accepted, not duplicated. */
  | 'accept'
  /** Already an accepted span of the label, exactly there (e.g. the span the command started from). */
  | 'already'
  /** Overlaps a span of another label or extent, or a rejection of this text: left alone. */
  | 'skip';

export interface PlannedOccurrence {
  fragment: Fragment;
  /** The text as it occurs (differs from the needle in case when ignoring case). */
  text: string;
  action: OccurrenceAction;
  /** The spans it overlaps (for `accept`: the suggestion(s) there). */
  spanIds: string[];
}

export interface OccurrencePlan {
  needle: string;
  label: string;
  ignoreCase: boolean;
  occurrences: PlannedOccurrence[];
  /** Occurrences to label: new spans plus suggestions accepted. */
  toLabel: PlannedOccurrence[];
  added: number;
  accepted: number;
  already: number;
  skipped: number;
  /** Occurrences the user left out when choosing one by one (`choosePlan`); 0 otherwise. */
  notChosen: number;
}

/**
 * Plans labelling every whole-word occurrence of `needle` with `label`, against the note's `spans`
 * (orphans, which have no place in the text, are ignored):
 * - no span overlaps the occurrence → `add`;
 * - every overlapping span is exactly on the occurrence with this label: one accepted → `already`;
 *   all pending suggestions → `accept` (the store's `labelSpans` accepts it instead of duplicating it);
 *   a rejection among them → `skip`: someone decided this occurrence is not one;
 * - anything else overlapping (another label, a longer or shorter span, whatever its status) → `skip`:
 *   the note already holds a decision about that text.
 */
export function planOccurrences(
  text: string,
  spans: readonly AnnotationSpan[],
  needle: string,
  label: string,
  options: OccurrenceOptions = {},
): OccurrencePlan {
  const placed = spans.filter((s) => !s.flags.includes('orphan'));
  const occurrences = findWholeWordOccurrences(text, needle, options).map((fragment): PlannedOccurrence => {
    const overlapping = placed.filter((s) => fragmentsOverlap(s.fragments, [fragment]));
    const exact = overlapping.filter((s) => s.label === label && s.fragments.length === 1 && s.fragments[0][0] === fragment[0] && s.fragments[0][1] === fragment[1]);
    let action: OccurrenceAction;
    const spanIds = overlapping.map((s) => s.id);
    if (overlapping.length === 0) action = 'add';
    else if (exact.length !== overlapping.length) action = 'skip';
    else if (exact.some((s) => s.status === 'accepted')) action = 'already';
    else if (exact.every((s) => s.status === 'suggested')) action = 'accept';
    else action = 'skip';
    return { fragment, text: text.slice(fragment[0], fragment[1]), action, spanIds };
  });
  const count = (a: OccurrenceAction) => occurrences.filter((o) => o.action === a).length;
  return {
    needle,
    label,
    ignoreCase: !!options.ignoreCase,
    occurrences,
    toLabel: occurrences.filter((o) => o.action === 'add' || o.action === 'accept'),
    added: count('add'),
    accepted: count('accept'),
    already: count('already'),
    skipped: count('skip'),
    notChosen: 0,
  };
}

/**
 * The plan narrowed to the occurrences the user chose one by one (by their fragments): the others it would
 * have labelled are left alone and counted in `notChosen` ("potassium chloride" is a DRUG, "potassium 5.9"
 * is a lab value).
 */
export function choosePlan(plan: OccurrencePlan, chosen: readonly Fragment[]): OccurrencePlan {
  const keys = new Set(chosen.map(([a, b]) => `${a}:${b}`));
  const toLabel = plan.toLabel.filter((o) => keys.has(`${o.fragment[0]}:${o.fragment[1]}`));
  const count = (a: OccurrenceAction) => toLabel.filter((o) => o.action === a).length;
  return { ...plan, toLabel, added: count('add'), accepted: count('accept'), notChosen: plan.toLabel.length - toLabel.length };
}

/** An occurrence as the chooser shows it: its line (1-based) and the words around it on that line. */
export function occurrenceContext(text: string, [start, end]: Fragment, width = 40): { line: number; before: string; after: string } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  const lineEnd = nl < 0 ? text.length : nl;
  const line = text.slice(0, start).split('\n').length;
  let before = text.slice(Math.max(lineStart, start - width), start).trimStart();
  let after = text.slice(end, Math.min(lineEnd, end + width)).trimEnd();
  if (start - width > lineStart) before = `…${before}`;
  if (end + width < lineEnd) after = `${after}…`;
  return { line, before, after };
}

/** The confirmation's row for a plan: "Label 6 more occurrences of 'lidocaine' as DRUG" (", ignoring case" added when it does). */
export function planTitle(plan: OccurrencePlan, l10n: L10n = englishL10n): string {
  const n = plan.toLabel.length;
  if (plan.ignoreCase) {
    return n === 1
      ? l10n.t("Label {0} more occurrence of '{1}' as {2}, ignoring case", n, plan.needle, plan.label)
      : l10n.t("Label {0} more occurrences of '{1}' as {2}, ignoring case", n, plan.needle, plan.label);
  }
  return n === 1 ? l10n.t("Label {0} more occurrence of '{1}' as {2}", n, plan.needle, plan.label) : l10n.t("Label {0} more occurrences of '{1}' as {2}", n, plan.needle, plan.label);
}

/** What a plan leaves out, for the confirmation's detail and the final message ("" when nothing). */
export function planDetails(plan: OccurrencePlan, l10n: L10n = englishL10n): string {
  const parts: string[] = [];
  if (plan.accepted) parts.push(plan.accepted === 1 ? l10n.t('{0} of them a pending suggestion, accepted', plan.accepted) : l10n.t('{0} of them pending suggestions, accepted', plan.accepted));
  if (plan.skipped) parts.push(l10n.t('{0} skipped: overlap another span', plan.skipped));
  if (plan.already) parts.push(l10n.t('{0} already labelled {1}', plan.already, plan.label));
  if (plan.ignoreCase) {
    const spellings = [...new Set(plan.toLabel.map((o) => o.text))].filter((t) => t !== plan.needle);
    if (spellings.length) parts.push(l10n.t('also as {0}', spellings.map((s) => `'${s}'`).join(', ')));
  }
  return parts.join(' · ');
}

/** The message once done: how many were labelled (new / accepted) and how many skipped. */
export function planMessage(plan: OccurrencePlan, l10n: L10n = englishL10n): string {
  const n = plan.toLabel.length;
  const { needle, label } = plan;
  let message = plan.ignoreCase
    ? n === 1
      ? l10n.t("Sidelight: labelled {0} occurrence of '{1}' as {2} (ignoring case)", n, needle, label)
      : l10n.t("Sidelight: labelled {0} occurrences of '{1}' as {2} (ignoring case)", n, needle, label)
    : n === 1
      ? l10n.t("Sidelight: labelled {0} occurrence of '{1}' as {2}", n, needle, label)
      : l10n.t("Sidelight: labelled {0} occurrences of '{1}' as {2}", n, needle, label);
  if (plan.accepted) {
    message +=
      plan.accepted === 1
        ? l10n.t(' ({0} new, {1} suggestion accepted)', plan.added, countText(plan.accepted))
        : l10n.t(' ({0} new, {1} suggestions accepted)', plan.added, countText(plan.accepted));
  }
  message += l10n.t('; {0} skipped (overlapping another span)', plan.skipped);
  if (plan.already) message += l10n.t('; {0} already labelled', plan.already);
  if (plan.notChosen) message += l10n.t('; {0} left unlabelled (not chosen)', plan.notChosen);
  return `${message}.`;
}
