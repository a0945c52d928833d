import { ANNOTATIONS_DIR } from '../workspaceLayout';

/**
 * Sidecar change events from a file watcher, turned into the notes to refresh. A sync or an import can
 * touch 1,000 sidecars at once: events are only remembered, and the notes are refreshed once the burst is
 * over (or has lasted too long to wait for its end).
 */

/**
 * The notes whose sidecar a change of workspace-relative path `rel` may concern: the note of a sidecar
 * file, or every loaded note under a changed folder (a pull or a checkout that creates a whole tree may be
 * reported as its top folder only); undefined when `rel` is not under `.sidelight/annotations`.
 */
export function notesForSidecarChange(rel: string, loadedNotes: () => Iterable<string>): string[] | undefined {
  const prefix = `${ANNOTATIONS_DIR}/`;
  if (rel !== ANNOTATIONS_DIR && !rel.startsWith(prefix)) return undefined;
  if (rel.endsWith('.json')) return [rel.slice(prefix.length, -'.json'.length)];
  const under = rel === ANNOTATIONS_DIR ? '' : `${rel.slice(prefix.length)}/`;
  return [...loadedNotes()].filter((note) => note.startsWith(under));
}

/**
 * A burst of changes, grouped (per workspace folder), waiting to be handled once. The caller owns the
 * timer: `add` says whether to (re)start the quiet timer; when it fires, `take` hands over the batch.
 */
export class ChangeBurst<T> {
  private readonly pending = new Map<string, Set<T>>();
  private startedAt: number | undefined;

  constructor(
    /** A burst is over after this long without an event. */
    readonly quietMs: number,
    /** A burst longer than this is handled when the timer fires, without waiting for it to end. */
    readonly maxWaitMs: number,
  ) {}

  /**
   * Remembers `items` of `group` at time `now` (ms). True: (re)start the quiet timer; false: a long burst,
   * leave the running timer alone so that it fires.
   */
  add(group: string, items: Iterable<T>, now: number): boolean {
    let set = this.pending.get(group);
    if (!set) this.pending.set(group, (set = new Set()));
    for (const item of items) set.add(item);
    if (this.startedAt === undefined) {
      this.startedAt = now;
      return true;
    }
    return now - this.startedAt <= this.maxWaitMs;
  }

  /** The batch so far, by group; the next `add` starts a new burst. */
  take(): Map<string, Set<T>> {
    const batch = new Map(this.pending);
    this.pending.clear();
    this.startedAt = undefined;
    return batch;
  }
}
