/**
 * The review queue's order (*Review uncertain predictions*): what the model proposed and nobody decided
 * yet, across notes, the least certain first, so that a reviewer's first decisions are the ones the model
 * needs most (uncertainty sampling, as Prodigy's `ner.teach` orders its stream). Pure: the editor builds
 * the items from the store and the model, and rebuilds them to resume.
 */

export interface QueueItem {
  /** The note, workspace-relative. */
  note: string;
  label: string;
  start: number;
  end: number;
  text: string;
  /** Model confidence in [0, 1]; a rule's fixed score for cued ADEs. */
  score: number;
  /** A stored suggestion (pre-annotated, by id) or a live prediction of the model. */
  kind: 'suggestion' | 'prediction';
  /** The suggestion's span id. */
  id?: string;
}

/** How far the score is from the decision threshold: 0 is a coin toss. */
export function certainty(item: Pick<QueueItem, 'score'>, threshold: number): number {
  return Math.abs(item.score - threshold);
}

/**
 * Least certain first; ties by note path and position, so the order is stable across rebuilds. A live
 * prediction that a stored suggestion already covers (same label and range) is the suggestion: kept once.
 */
export function orderQueue<T extends QueueItem>(items: readonly T[], threshold: number): T[] {
  const key = (i: T) => `${i.note}\u0000${i.label}\u0000${i.start}\u0000${i.end}`;
  const suggested = new Set(items.filter((i) => i.kind === 'suggestion').map(key));
  return items
    .filter((i) => i.kind === 'suggestion' || !suggested.has(key(i)))
    .sort((a, b) => certainty(a, threshold) - certainty(b, threshold) || (a.note < b.note ? -1 : a.note > b.note ? 1 : 0) || a.start - b.start || a.end - b.end);
}
