import { InputError } from '../../errors';
import { writeFileAtomic } from '../../fs/atomicWrite';
import { withFileLock } from '../../fs/fileLock';
import { sha256Hex } from '../../fs/sha256';
import { assertNoSymlinkBelow } from '../../fs/symlinks';
import { canonicalJson } from '../../sync/hash';
import { mergeTypedSidecars } from '../../sync/merge';
import { readNoteText } from '../noteFiles';
import { reanchorSpans } from '../reanchor';
import { type Sidecar, compareAnnotationSpans, serializeSidecar, sha256, sidecarPathFor } from '../sidecar';
import type { NoteCache, NoteState } from './noteCache';
import { type DiskSidecar, parseSidecarFile, readFileWithSha } from './sidecarFile';

/** What the writer tells the store: a merge changed a note's spans. */
export interface SidecarWriterHooks {
  merged(key: string): void;
  /** The time stamped on spans re-anchored for a merge. */
  stamp(): string;
}

/**
 * Writes the loaded notes' sidecars: after a short delay that coalesces changes (`schedule`), or at once
 * (`save`, `flush`). Writes of one note are chained, so the last one wins on disk; different notes write
 * in parallel. Each write holds the file's lock (fs/fileLock.ts) from the check to the rename, as a sync
 * replacing the file does, and checks that the file is still the one last read or written: if someone
 * else wrote it meanwhile, their version is merged in first (three-way, per span), so no labels are lost.
 */
export class SidecarWriter {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly workspaceDir: string,
    private readonly cache: NoteCache,
    private readonly delayMs: number,
    private readonly hooks: SidecarWriterHooks,
  ) {}

  /** Writes the note after the delay, unless a write is already scheduled. */
  schedule(key: string): void {
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      // Errors surface through flush() / save(); a background write failure is retried on the next change.
      this.save(key).catch(() => undefined);
    }, this.delayMs);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  cancelTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** The note's write in flight, if any. */
  inFlight(key: string): Promise<void> | undefined {
    return this.writes.get(key);
  }

  /**
   * Writes the note's sidecar now if it has unwritten changes whose offsets match the saved note. If the
   * file changed on disk since the store last read or wrote it, that version is merged in first (see
   * `mergeFromDisk`); a malformed file there is not overwritten: the InputError is thrown and the changes
   * stay in memory until the file is fixed. A file deleted meanwhile is written again with ours.
   */
  async save(key: string): Promise<void> {
    this.cancelTimer(key);
    const previous = this.writes.get(key) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(async () => {
      const state = this.cache.get(key);
      if (!state || !state.textInSync || state.version === state.savedVersion) return;
      const file = sidecarPathFor(this.workspaceDir, key);
      // A linked `.sidelight/annotations` (or folder below it) would put the labels outside the workspace.
      await assertNoSymlinkBelow(this.workspaceDir, file).catch((e: Error) => {
        throw new InputError(file, e.message);
      });
      await withFileLock(file, async () => {
        const disk = await readFileWithSha(file);
        // Reloaded, moved or deleted, or edited in the editor (offsets no longer the saved note's) meanwhile.
        if (this.cache.get(key) !== state || !state.textInSync) return;
        if (disk && disk.sha !== state.diskSha) await this.mergeFromDisk(key, state, file, disk);
        await this.writeState(file, key, state);
      });
    });
    this.writes.set(key, write);
    try {
      await write;
    } finally {
      if (this.writes.get(key) === write) this.writes.delete(key);
    }
  }

  /**
   * Writes the note's state as it is to `file` (no lock, no merge: for a sidecar the store has just moved
   * there) and records it as what the disk holds.
   */
  async writeState(file: string, key: string, state: NoteState): Promise<void> {
    const sidecar: Sidecar = { ...state.sidecar, note: key };
    const text = serializeSidecar(sidecar);
    const version = state.version;
    await writeFileAtomic(file, text);
    state.diskSha = sha256Hex(text);
    state.diskSidecar = sidecar;
    state.savedVersion = Math.max(state.savedVersion, version);
    this.cache.unblock(key);
  }

  /** Writes everything pending now and waits for writes in flight. Rejects with the first failure. */
  async flush(): Promise<void> {
    const keys = new Set([...this.timers.keys(), ...this.writes.keys()]);
    for (const [key, state] of this.cache.entries()) if (state.textInSync && state.version !== state.savedVersion) keys.add(key);
    const results = await Promise.allSettled([...keys].map((k) => this.save(k)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** No timer left and no read or write in flight for the note. */
  async settle(key: string): Promise<void> {
    this.cancelTimer(key);
    await this.cache.settled(key);
    await this.writes.get(key)?.catch(() => undefined);
  }

  /** Stops the timers (pending changes stay in memory: flush() first to keep them). */
  dispose(): void {
    for (const key of [...this.timers.keys()]) this.cancelTimer(key);
  }

  /**
   * Someone else wrote the note's sidecar since the store last read or wrote it: three-way merge, per
   * span, of the version the store last saw there (base), the store's (local) and the file's (remote), with
   * the sync's rules (sync/merge.ts: a change made on one side wins, both changed differently is a
   * conflict that keeps both versions, flagged). The result becomes the note's state, to be written.
   * A malformed file throws its InputError (recorded in the cache's errors), and nothing changes.
   */
  private async mergeFromDisk(key: string, state: NoteState, file: string, disk: DiskSidecar): Promise<void> {
    let theirs: Sidecar;
    try {
      theirs = parseSidecarFile(disk.raw, file, key);
    } catch (e) {
      this.cache.markBlocked(key, e as InputError);
      throw e;
    }
    theirs = await this.anchorTheirs(key, state, theirs);
    const { merged } = mergeTypedSidecars(state.diskSidecar, state.sidecar, theirs);
    state.sidecar = { ...merged, note: key, spans: [...merged.spans].sort(compareAnnotationSpans) };
    // The merged version's base is now the file's version (in case the write that follows fails).
    state.diskSha = disk.sha;
    state.diskSidecar = theirs;
    // Undo entries hold spans as they were before the merge (see UndoHistory.clear).
    state.history.clear();
    state.version++;
    state.merges++;
    this.hooks.merged(key);
  }

  /**
   * The other writer anchored its spans to the note as it was then (its `noteSha256`); ours follow the note
   * as saved since. The spans it added or changed are found again in our note by their quotes before the
   * merge, or they would land on whatever text now sits at their old offsets. Its other spans are the
   * base's, which the merge resolves to ours. Our note text is the file, if it is still the one we saved.
   */
  private async anchorTheirs(key: string, state: NoteState, theirs: Sidecar): Promise<Sidecar> {
    if (theirs.noteSha256 === state.sidecar.noteSha256) return theirs;
    let text: string;
    try {
      text = await readNoteText(this.workspaceDir, key);
    } catch {
      return theirs; // the note is gone: nothing to anchor to
    }
    if (sha256(text) !== state.sidecar.noteSha256) return theirs;
    const base = new Map((state.diskSidecar?.spans ?? []).map((s) => [s.id, canonicalJson(s)]));
    const changed = theirs.spans.filter((s) => base.get(s.id) !== canonicalJson(s));
    if (changed.length === 0) return { ...theirs, noteSha256: state.sidecar.noteSha256 };
    const byId = new Map(reanchorSpans(text, changed, { now: this.hooks.stamp() }).spans.map((s) => [s.id, s]));
    return { ...theirs, noteSha256: state.sidecar.noteSha256, spans: theirs.spans.map((s) => byId.get(s.id) ?? s) };
  }
}
