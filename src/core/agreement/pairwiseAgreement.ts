import { AgreementNote, AgreementSpan } from './agreementInput';
import { addToKappaCounts, cohenKappa, emptyKappaCounts, mergeKappaCounts } from './cohenKappa';
import { noteTokens, tokenCategories } from './noteTokens';
import { addSpanCounts, emptySpanCounts, lenientCounts, SpanCounts, spanF1, strictCounts } from './spanAgreement';

/**
 * Inter-annotator agreement for every pair of annotators, over the notes both of them finished: span F1
 * (strict and lenient) per label and over all labels, and Cohen's kappa over the notes' words (each word
 * gets a label or `O` from each annotator: noteTokens.ts), per note and pooled over the notes.
 */

export interface SpanAgreement extends SpanCounts {
  /** 2·matched / (a + b); null when neither annotator has a span. */
  f1: number | null;
}

export interface StrictLenient {
  strict: SpanAgreement;
  lenient: SpanAgreement;
}

export interface NoteAgreement extends StrictLenient {
  note: string;
  tokens: number;
  /** Words the two annotators labelled differently (one of them `O`, or different labels). */
  disagreeingTokens: number;
  /** Cohen's kappa over this note's words; null when undefined (see cohenKappa.ts). */
  kappa: number | null;
  observed: number | null;
}

export interface PairAgreement {
  a: string;
  b: string;
  /** Notes both finished. */
  notes: number;
  tokens: number;
  /** Per label, in name order: the labels either annotator used on those notes. */
  labels: Record<string, StrictLenient>;
  /** All labels pooled, and kappa over all the words of all those notes. */
  overall: StrictLenient & { kappa: number | null; observed: number | null };
  /** Most disagreement first: most words labelled differently, then most spans without an exact match, then by name. */
  byNote: NoteAgreement[];
}

export interface AgreementReport {
  /** The annotators compared, in the order given (or by name). */
  annotators: string[];
  /** One entry per pair, in the annotators' order. */
  pairs: PairAgreement[];
}

/** Every annotator who finished at least one note, by name. */
export function annotatorsOf(notes: readonly AgreementNote[]): string[] {
  return [...new Set(notes.flatMap((n) => n.finishedBy))].sort();
}

const withF1 = (c: SpanCounts): SpanAgreement => ({ ...c, f1: spanF1(c) });

const byPosition = (x: AgreementSpan, y: AgreementSpan): number =>
  x.fragments[0][0] - y.fragments[0][0] || x.fragments[x.fragments.length - 1][1] - y.fragments[y.fragments.length - 1][1] || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0);

export function pairAgreement(notes: readonly AgreementNote[], a: string, b: string): PairAgreement {
  const shared = notes.filter((n) => n.finishedBy.includes(a) && n.finishedBy.includes(b));
  const perLabel = new Map<string, { strict: SpanCounts; lenient: SpanCounts }>();
  const pooled = emptyKappaCounts();
  const byNote: NoteAgreement[] = [];
  for (const note of shared) {
    const spansA = [...(note.spans[a] ?? [])].sort(byPosition);
    const spansB = [...(note.spans[b] ?? [])].sort(byPosition);
    const labels = new Set([...spansA, ...spansB].map((s) => s.label));
    const strict = emptySpanCounts();
    const lenient = emptySpanCounts();
    for (const label of labels) {
      const la = spansA.filter((s) => s.label === label);
      const lb = spansB.filter((s) => s.label === label);
      const s = strictCounts(la, lb);
      const l = lenientCounts(la, lb);
      addSpanCounts(strict, s);
      addSpanCounts(lenient, l);
      let total = perLabel.get(label);
      if (!total) perLabel.set(label, (total = { strict: emptySpanCounts(), lenient: emptySpanCounts() }));
      addSpanCounts(total.strict, s);
      addSpanCounts(total.lenient, l);
    }
    const tokens = noteTokens(note.text);
    const catA = tokenCategories(tokens, spansA);
    const catB = tokenCategories(tokens, spansB);
    const counts = addToKappaCounts(emptyKappaCounts(), catA, catB);
    mergeKappaCounts(pooled, counts);
    byNote.push({
      note: note.note,
      tokens: tokens.length,
      disagreeingTokens: counts.n - counts.agreed,
      ...cohenKappa(counts),
      strict: withF1(strict),
      lenient: withF1(lenient),
    });
  }
  const unmatched = (n: NoteAgreement): number => n.strict.a + n.strict.b - 2 * n.strict.matched;
  byNote.sort((x, y) => y.disagreeingTokens - x.disagreeingTokens || unmatched(y) - unmatched(x) || (x.note < y.note ? -1 : x.note > y.note ? 1 : 0));

  const labels: Record<string, StrictLenient> = {};
  const allStrict = emptySpanCounts();
  const allLenient = emptySpanCounts();
  for (const label of [...perLabel.keys()].sort()) {
    const c = perLabel.get(label) as { strict: SpanCounts; lenient: SpanCounts };
    labels[label] = { strict: withF1(c.strict), lenient: withF1(c.lenient) };
    addSpanCounts(allStrict, c.strict);
    addSpanCounts(allLenient, c.lenient);
  }
  return {
    a,
    b,
    notes: shared.length,
    tokens: pooled.n,
    labels,
    overall: { strict: withF1(allStrict), lenient: withF1(allLenient), ...cohenKappa(pooled) },
    byNote,
  };
}

/**
 * Agreement of every pair among `annotators` (default: everyone who finished a note), in that order.
 * Throws when fewer than two annotators are named, or one is named twice.
 */
export function agreementReport(notes: readonly AgreementNote[], annotators: readonly string[] = annotatorsOf(notes)): AgreementReport {
  if (new Set(annotators).size !== annotators.length) throw new Error(`an annotator is named twice: ${annotators.join(', ')}`);
  if (annotators.length < 2) throw new Error(`agreement needs two annotators or more, got ${annotators.length ? annotators.join(', ') : 'none'}`);
  const pairs: PairAgreement[] = [];
  for (let i = 0; i < annotators.length; i++) for (let j = i + 1; j < annotators.length; j++) pairs.push(pairAgreement(notes, annotators[i], annotators[j]));
  return { annotators: [...annotators], pairs };
}
