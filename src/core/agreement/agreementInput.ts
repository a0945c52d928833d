/**
 * What the agreement maths reads, independent of where labels are stored: the workspace's sidecars with
 * each annotator's votes (workspaceAgreementInput.ts). Offsets are UTF-16 code
 * units on `text`, end exclusive.
 */

export type Fragment = readonly [number, number];

/** One annotator's accepted entity: a label and its sorted, non-overlapping fragments. */
export interface AgreementSpan {
  label: string;
  fragments: readonly Fragment[];
}

export interface AgreementNote {
  /** Names the note in reports (the workspace-relative path). */
  note: string;
  /** The note's text, which the token-level kappa splits into words. */
  text: string;
  /** Each annotator's accepted spans in this note; an annotator without an entry labelled nothing. */
  spans: Readonly<Record<string, readonly AgreementSpan[]>>;
  /** The annotators who finished this note: a pair is compared only on the notes both of them finished. */
  finishedBy: readonly string[];
}
