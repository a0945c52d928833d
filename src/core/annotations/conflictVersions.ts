import type { AnnotationSpan } from './sidecar';

/**
 * Resolving a sync conflict. The merge keeps every version of a span changed differently on two sides,
 * each flagged `conflict` and naming another version in its `conflict` field (src/core/sync/merge.ts); a
 * span merged in conflict twice is linked to two copies, so the versions of one span are the spans linked
 * to it, directly or not. A person resolves the conflict by keeping one version (the others go) or by
 * removing versions: a version left without any other is no longer in conflict and loses its flag and
 * field, so that nothing flagged is written, counted or synced for a conflict that is over.
 *
 * Pure: these functions return the span changes, which the store applies as one undoable action.
 */

/** A span by id: its new value, or null for removed. */
export type SpanChange = [id: string, span: AnnotationSpan | null];

export function inConflict(span: AnnotationSpan): boolean {
  return span.flags.includes('conflict') || span.conflict !== undefined;
}

/** The versions of span `id` (itself included, first), or just itself when it is in no conflict. */
export function versionsOf(spans: readonly AnnotationSpan[], id: string): AnnotationSpan[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const start = byId.get(id);
  if (!start) return [];
  if (!inConflict(start)) return [start];
  const group = new Map([[start.id, start]]);
  const queue = [start];
  for (let s = queue.shift(); s; s = queue.shift()) {
    const linked = spans.filter((o) => inConflict(o) && !group.has(o.id) && (o.conflict === s!.id || s!.conflict === o.id));
    for (const o of linked) {
      group.set(o.id, o);
      queue.push(o);
    }
  }
  return [...group.values()];
}

/** The span no longer in conflict. */
function settled(span: AnnotationSpan): AnnotationSpan {
  const { conflict: _conflict, ...rest } = span;
  return { ...rest, flags: rest.flags.filter((f) => f !== 'conflict') };
}

/**
 * Removes `ids`. A version whose conflict loses a member is settled when it is the last one left, or
 * made to name a version still there when the one it named is removed.
 */
export function removeVersions(spans: readonly AnnotationSpan[], ids: readonly string[]): SpanChange[] {
  const removed = new Set(ids.filter((id) => spans.some((s) => s.id === id)));
  const changes: SpanChange[] = [...removed].map((id) => [id, null]);
  const seen = new Set<string>();
  for (const id of removed) {
    for (const version of versionsOf(spans, id)) {
      if (removed.has(version.id) || seen.has(version.id)) continue;
      seen.add(version.id);
      const left = versionsOf(spans, version.id).filter((v) => !removed.has(v.id));
      if (left.length === 1) changes.push([version.id, settled(version)]);
      else if (version.conflict !== undefined && removed.has(version.conflict)) {
        changes.push([version.id, { ...version, conflict: left.find((v) => v.id !== version.id)!.id }]);
      }
    }
  }
  return changes;
}

/** "Keep this one": the other versions of span `id` are removed, and it is no longer in conflict. */
export function keepVersion(spans: readonly AnnotationSpan[], id: string): SpanChange[] {
  const [kept, ...others] = versionsOf(spans, id);
  if (!kept) return [];
  const changes = removeVersions(spans, others.map((o) => o.id));
  // Removing the others settles it, unless it was flagged alone (its other version already gone).
  return changes.some(([changed]) => changed === id) || !inConflict(kept) ? changes : [...changes, [id, settled(kept)]];
}
