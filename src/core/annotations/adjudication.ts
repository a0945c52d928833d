import { finishedBy } from '../agreement/workspaceAgreementInput';
import { fragmentsOverlap } from './fragments';
import { AnnotationSpan, Sidecar, spanEnd, spanStart } from './sidecar';
import { acceptedBy } from './votes';

/**
 * Adjudication: settling what annotators disagree on in a note, so that one version, the gold, is what
 * training and evaluation read (`export --gold`).
 *
 * The annotators of a note are those who finished it (workspaceAgreementInput.ts), or, when fewer than
 * two did, everyone who voted in it. A span is disputed when some of them accepted it and some did not
 * (rejected it, or never labelled it), and no adjudicator decided on it yet. Disputed spans that overlap
 * are one disagreement ("nausea" by one annotator, "severe nausea" by the other), shown side by side.
 * Pure: the store records the decisions (AnnotationStore.adjudicate).
 */

export interface DisputedSpan {
  span: AnnotationSpan;
  /** The annotators (of the note's) who accepted it. */
  acceptedBy: string[];
}

export interface Disagreement {
  /** Overlapping disputed spans, by position. */
  spans: DisputedSpan[];
  start: number;
  end: number;
}

/** The annotators whose labels are compared in this note. */
export function annotatorsOf(sidecar: Pick<Sidecar, 'done' | 'doneBy' | 'spans'>): string[] {
  const finished = finishedBy(sidecar);
  if (finished.length >= 2) return finished;
  return [...new Set(sidecar.spans.flatMap((s) => acceptedBy(s)))].filter((a) => a !== '').sort();
}

/** The note's open disagreements, by position. */
export function disagreements(sidecar: Pick<Sidecar, 'done' | 'doneBy' | 'spans'>): Disagreement[] {
  const annotators = annotatorsOf(sidecar);
  if (annotators.length < 2) return [];
  const disputed: DisputedSpan[] = [];
  for (const span of sidecar.spans) {
    if (span.adjudication || span.flags.includes('orphan')) continue;
    const by = acceptedBy(span).filter((a) => annotators.includes(a));
    if (by.length > 0 && by.length < annotators.length) disputed.push({ span, acceptedBy: by });
  }
  disputed.sort((a, b) => spanStart(a.span) - spanStart(b.span) || spanEnd(a.span) - spanEnd(b.span));
  const groups: Disagreement[] = [];
  for (const d of disputed) {
    const last = groups[groups.length - 1];
    if (last && last.spans.some((o) => fragmentsOverlap(o.span.fragments, d.span.fragments))) {
      last.spans.push(d);
      last.end = Math.max(last.end, spanEnd(d.span));
    } else {
      groups.push({ spans: [d], start: spanStart(d.span), end: spanEnd(d.span) });
    }
  }
  return groups;
}

/** The notes at least two annotators finished that still hold disagreements, sorted: the adjudicator's list. */
export function notesToAdjudicate(sidecars: ReadonlyMap<string, Pick<Sidecar, 'done' | 'doneBy' | 'spans' | 'adjudicated'>>): string[] {
  return [...sidecars]
    .filter(([, s]) => finishedBy(s).length >= 2 && disagreements(s).length > 0)
    .map(([note]) => note)
    .sort();
}

/**
 * The gold of an adjudicated note, as spans with the gold status: an adjudicated span has the
 * adjudicator's verdict; any other span is accepted when every annotator of the note accepted it, and
 * rejected when some annotator voted on it (left out of the gold), else (a suggestion nobody reviewed) as
 * it is. Undefined for a note that is not adjudicated.
 */
export function goldSpans(sidecar: Pick<Sidecar, 'done' | 'doneBy' | 'spans' | 'adjudicated'>): AnnotationSpan[] | undefined {
  if (!sidecar.adjudicated) return undefined;
  const annotators = annotatorsOf(sidecar);
  return sidecar.spans.map((s) => {
    if (s.adjudication) return { ...s, status: s.adjudication.verdict };
    const by = acceptedBy(s).filter((a) => annotators.includes(a));
    if (annotators.length > 0 && by.length === annotators.length) return { ...s, status: 'accepted' };
    return s.status === 'suggested' && by.length === 0 ? s : { ...s, status: 'rejected' };
  });
}
