import { InputError } from '../errors';
import { sha256Hex } from '../fs/sha256';
import { AnnotationStore } from '../annotations/annotationStore';
import { readNoteText } from '../annotations/noteFiles';
import { reanchorSpans } from '../annotations/reanchor';
import { sha256 } from '../annotations/sidecar';
import { InterchangeRow } from '../span';
import { count } from '../plural';

/**
 * What a workspace's labels give a training run: the notes marked done, with their accepted spans as
 * interchange rows, split by note path into what the model trains on and what it is judged on.
 *
 * Only done notes: a note not marked done may hold unlabelled side effects, which a tagger would learn as
 * negatives. Rejected predictions are already negatives there (their text is `O` in a done note).
 */

export interface TrainingNote extends InterchangeRow {
  file: string;
  /** sha256 of the note's text, recorded in the bundle's manifest (what the model saw). */
  sha256: string;
}

export interface LeftOut {
  /** Accepted spans of several fragments (a BIO tagger cannot learn them). */
  discontinuous: number;
  /** Accepted spans whose text could not be found again in the note as it is now. */
  orphans: number;
  /** Suggestions still pending in done notes: not trained on as spans (their text counts as no label). */
  suggestions: number;
  /** Spans of labels the recipe does not tag. */
  otherLabels: number;
}

export interface CollectedNotes {
  notes: TrainingNote[];
  leftOut: LeftOut;
  /** Notes with labels that are not marked done. */
  notDone: number;
}

/** Reads every done note and its accepted spans, re-anchored in memory if the note changed (nothing is written). */
export async function collectDoneNotes(store: AnnotationStore, workspaceDir: string): Promise<CollectedNotes> {
  const { notes: listed, errors } = await store.loadAll();
  if (errors.length) throw errors[0];
  const out: CollectedNotes = { notes: [], leftOut: { discontinuous: 0, orphans: 0, suggestions: 0, otherLabels: 0 }, notDone: 0 };
  for (const note of listed) {
    const sidecar = await store.get(note);
    if (!sidecar.done) {
      if (sidecar.spans.length) out.notDone++;
      continue;
    }
    let text: string;
    try {
      text = await readNoteText(workspaceDir, note);
    } catch {
      continue; // a sidecar whose note is gone: nothing to train on
    }
    const sha = sha256(text);
    const accepted = sidecar.spans.filter((s) => s.status === 'accepted');
    out.leftOut.suggestions += sidecar.spans.filter((s) => s.status === 'suggested').length;
    const spans = sidecar.noteSha256 === sha ? accepted : reanchorSpans(text, accepted).spans;
    const row: TrainingNote = { file: note, text, sha256: sha, spans: [] };
    for (const s of spans) {
      if (s.flags.includes('orphan')) out.leftOut.orphans++;
      else if (s.fragments.length > 1) out.leftOut.discontinuous++;
      else row.spans.push({ label: s.label, start: s.fragments[0][0], end: s.fragments[0][1], text: text.slice(s.fragments[0][0], s.fragments[0][1]) });
    }
    row.spans.sort((a, b) => a.start - b.start || a.end - b.end);
    out.notes.push(row);
  }
  return out;
}

/** Share of the done notes held out for evaluation. */
const HELD_OUT_SHARE = 0.2;
/** Fewest done notes a run accepts: enough for a train split and a held-out one of at least one note each. */
export const MIN_DONE_NOTES = 5;
/** Fewest training examples of a label the recipe can learn from. */
const MIN_EXAMPLES_PER_LABEL = 5;

/** Where a note falls: a number in [0, 1) from its path alone, the same on every machine and every run. */
export function splitKey(file: string): number {
  return parseInt(sha256Hex(file).slice(0, 8), 16) / 2 ** 32;
}

export interface Split {
  train: TrainingNote[];
  heldOut: TrainingNote[];
}

/**
 * Deterministic by note path: a note is held out when its key is below `share` (so adding notes never moves
 * one between the splits). At least one note is held out: the one with the lowest key.
 */
export function splitByPath(notes: readonly TrainingNote[], share = HELD_OUT_SHARE): Split {
  const keyed = notes.map((n) => ({ n, k: splitKey(n.file) })).sort((a, b) => a.k - b.k || (a.n.file < b.n.file ? -1 : 1));
  const heldOut = keyed.filter((x) => x.k < share).map((x) => x.n);
  if (heldOut.length === 0 && keyed.length > 1) heldOut.push(keyed[0].n);
  const held = new Set(heldOut);
  return { train: keyed.map((x) => x.n).filter((n) => !held.has(n)), heldOut };
}

/**
 * Refuses what the recipe cannot learn from, saying what is missing: too few done notes, or a label of the
 * schema with too few examples in the train split (name the label and its count).
 */
export function checkTrainable(collected: CollectedNotes, split: Split, labels: readonly string[], workspaceDir: string): void {
  const done = collected.notes.length;
  if (done < MIN_DONE_NOTES) {
    throw new InputError(workspaceDir, `${count(done, 'note')} marked done; training needs at least ${MIN_DONE_NOTES} (${MIN_DONE_NOTES - done} more): label notes and mark them done (Ctrl+Alt+K)`);
  }
  const counts = new Map<string, number>(labels.map((l) => [l, 0]));
  for (const n of split.train) for (const s of n.spans) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  const few = [...counts].filter(([, c]) => c < MIN_EXAMPLES_PER_LABEL);
  if (few.length) {
    const list = few.map(([l, c]) => `${l} has ${c}`).join(', ');
    throw new InputError(workspaceDir, `too few examples to learn from in the ${split.train.length} training notes: ${list} (at least ${MIN_EXAMPLES_PER_LABEL} each are needed)`);
  }
}
