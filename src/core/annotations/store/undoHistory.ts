import { applyEdits, type TextEdit } from '../offsetTracking';
import type { AnnotationRelation, AnnotationSpan, Sidecar } from '../sidecar';

/** The note-level fields a labelling action can change. */
export type NoteHead = Pick<Sidecar, 'done' | 'doneBy' | 'adjudicated'>;

/**
 * One labelling action: each span it touched by id, before and after (null = absent), and the note's
 * `done` / `doneBy` / `adjudicated`; for an action on relations, the note's relations before and after (a
 * note has few: the whole list is kept).
 */
export interface UndoEntry {
  before: Map<string, AnnotationSpan | null>;
  after: Map<string, AnnotationSpan | null>;
  headBefore: NoteHead;
  headAfter: NoteHead;
  relations?: { before: AnnotationRelation[]; after: AnnotationRelation[] };
}

export type TravelDirection = 'undo' | 'redo';

/** A note's undo and redo stacks of labelling actions (editor edits are not actions: spans follow them). */
export class UndoHistory {
  private undo: UndoEntry[] = [];
  private redo: UndoEntry[] = [];

  constructor(private readonly limit: number) {}

  /** A new action: kept for undo (the oldest dropped past the limit); nothing undone can be redone after it. */
  record(entry: UndoEntry): void {
    this.undo.push(entry);
    if (this.undo.length > this.limit) this.undo.shift();
    this.redo = [];
  }

  /**
   * The action to replay in `direction` (its `before` for undo, `after` for redo), moved to the other
   * stack; undefined when there is none.
   */
  take(direction: TravelDirection): UndoEntry | undefined {
    const [from, to] = direction === 'undo' ? [this.undo, this.redo] : [this.redo, this.undo];
    const entry = from.pop();
    if (entry) to.push(entry);
    return entry;
  }

  /** The spans held for undo and redo follow the editor's edits, as the note's own spans do. */
  followEdits(edits: readonly TextEdit[]): void {
    for (const entry of [...this.undo, ...this.redo]) {
      for (const map of [entry.before, entry.after]) {
        for (const [id, span] of map) if (span) map.set(id, applyEdits([span], edits)[0]);
      }
    }
  }

  /**
   * Forgets every action: used when the note's spans were replaced by another writer's version, where
   * replaying an action could bring back what that writer deleted or overwrite its edit.
   */
  clear(): void {
    this.undo = [];
    this.redo = [];
  }
}
