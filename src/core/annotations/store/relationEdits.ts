import type { AnnotationRelation, SpanStatus } from '../sidecar';

/**
 * The store's edits of a note's relation list, as pure functions from the list to the next one (the store
 * records each result as one undo step). Relations join span ids; which types and labels are allowed is
 * the schema's business (relationRules.ts), checked by the callers.
 */

/** A relation to add: its type and the ids of its two spans; human and accepted unless said otherwise. */
export interface NewRelation {
  type: string;
  from: string;
  to: string;
  source?: string;
  status?: SpanStatus;
  score?: number;
}

/** The list with the links added (one already there, same type and ends, is returned, not added twice). */
export function withLinks(
  relations: readonly AnnotationRelation[],
  links: readonly NewRelation[],
  make: (link: NewRelation) => AnnotationRelation,
): { relations: AnnotationRelation[]; made: AnnotationRelation[] } {
  const next = [...relations];
  const made: AnnotationRelation[] = [];
  for (const link of links) {
    const same = next.find((r) => r.type === link.type && r.from === link.from && r.to === link.to);
    const relation = same ?? make(link);
    if (!same) next.push(relation);
    made.push(relation);
  }
  return { relations: next, made };
}

/** The relations `ids` with `status` (and who set it, when); `changed` counts those that were not already. */
export function withStatus(relations: readonly AnnotationRelation[], ids: readonly string[], status: SpanStatus, author: string, at: string): { relations: AnnotationRelation[]; changed: number } {
  let changed = 0;
  const next = relations.map((r) => {
    if (!ids.includes(r.id) || r.status === status) return r;
    changed++;
    return { ...r, status, author, updatedAt: at };
  });
  return { relations: next, changed };
}

/**
 * "Keep this one" on a version of a relation a sync kept in two: the other version(s) go, and this one is no
 * longer in conflict. Undefined when there is no relation `id`.
 */
export function keepingVersion(relations: readonly AnnotationRelation[], id: string, at: string): { relations: AnnotationRelation[]; removed: string[] } | undefined {
  const kept = relations.find((r) => r.id === id);
  if (!kept) return undefined;
  const removed = relations.filter((r) => r.id !== id && (r.id === kept.conflict || r.conflict === id)).map((r) => r.id);
  const next = relations
    .filter((r) => !removed.includes(r.id))
    .map((r) => {
      if (r.id !== id) return r;
      const { conflict: _conflict, ...rest } = r;
      return { ...rest, updatedAt: at };
    });
  return { relations: next, removed };
}
