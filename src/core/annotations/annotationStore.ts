import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { exists } from '../fs/exists';
import { walkFiles } from '../fs/walk';
import { ANNOTATIONS_DIR, workspacePath } from '../workspaceLayout';
import { SpanChange, keepVersion, removeVersions } from './conflictVersions';
import { fragmentsOverlap, identityKey, normalizeFragments, sameFragments, trimEdited } from './fragments';
import { readNoteText } from './noteFiles';
import { TextEdit, applyEdits } from './offsetTracking';
import { ReanchorResult, reanchorSpans } from './reanchor';
import {
  AnnotationRelation,
  AnnotationSpan,
  Fragment,
  Sidecar,
  SpanStatus,
  compareAnnotationSpans,
  emptySidecar,
  isValidSource,
  makeQuote,
  normalizeNotePath,
  sha256,
  sidecarPathFor,
  spanEnd,
} from './sidecar';
import { NoteCache, type NoteState } from './store/noteCache';
import { parseSidecarFile, readFileWithSha, readSidecarOfNote, removeEmptyParents } from './store/sidecarFile';
import { keepingVersion, type NewRelation, withLinks, withStatus } from './store/relationEdits';
import { SidecarWriter } from './store/sidecarWriter';
import { EditLog } from './store/editLog';

export type { NewRelation } from './store/relationEdits';
import { type NoteHead, type TravelDirection, type UndoEntry, UndoHistory } from './store/undoHistory';
import { othersAccepted, normalizedVotes, verdictOf, votesOf, withVote } from './votes';

/**
 * The annotations of one workspace folder: one sidecar per note, loaded lazily and cached, changed in
 * memory by labelling operations and editor edits, written back atomically and in batches.
 *
 * When files are written: the sidecar's offsets must match the note as saved on disk. While the note has
 * unsaved edits (`applyEdits` since the last `noteSaved`), changes stay in memory and are written once the
 * editor reports the save; otherwise changes are written after a short delay (`saveDelayMs`), coalesced.
 *
 * A sidecar that cannot be parsed is never written over: every operation on that note throws its
 * InputError (file, line, problem) until `reload` finds it fixed, and all other notes keep working.
 *
 * Others write sidecars too (`sidelight sync` or `git pull` in a terminal, `sidelight import`): the store
 * remembers the sha256 of each file as it last read or wrote it, and before writing checks that it is
 * still there. If not, the file on disk is merged in, per span, with the sync's three-way merge (the
 * version last read being the base), so the store's write never drops the other writer's labels.
 *
 * This class is the façade: the labelling operations and the following of the editor's text. Its
 * collaborators, in `store/`: the note cache with its broken and blocked states (noteCache.ts), each
 * note's undo history (undoHistory.ts), and the sidecar writer with its write chain, lock and
 * merge-on-write (sidecarWriter.ts). Fragment geometry is in fragments.ts.
 */

export interface AnnotationStoreOptions {
  /** Author of new spans and changes: the editor passes its setting or git's user.name. */
  author: string | (() => string);
  /**
   * Blind mode (votes.ts): the author's changes never rewrite a colleague's word. Changing the label or
   * boundaries of a span someone else accepted makes the author's own copy (and records their rejection of
   * the original); removing it records their rejection. Off: one shared layer, as before votes.
   */
  blind?: boolean | (() => boolean);
  /** Delay that coalesces writes (default 250 ms); `flush()` writes at once. */
  saveDelayMs?: number;
  /** Labelling actions kept for undo per note (default 200). */
  undoLimit?: number;
  /** Clock and id source, replaceable in tests. */
  now?: () => Date;
  newId?: () => string;
}

/** A span to create. Fragments in UTF-16 offsets of the text passed along; sorted and merged here. */
export interface NewSpan {
  label: string;
  fragments: Fragment[];
  source?: string;
  status?: SpanStatus;
  score?: number;
  author?: string;
}

/** `merge`: a save found the file changed on disk by someone else and merged that version in. */
export type ChangeReason = 'load' | 'label' | 'edit' | 'reanchor' | 'undo' | 'redo' | 'saved' | 'move' | 'delete' | 'merge';

export interface AnnotationChange {
  note: string;
  reason: ChangeReason;
}

export type ChangeListener = (change: AnnotationChange) => void;

export interface OpenResult {
  spans: readonly AnnotationSpan[];
  /** Set when the note had changed since its spans were anchored and they were re-anchored. */
  reanchored?: ReanchorResult;
}

/** What `labelSpans` did with each item, and the spans it left at each item's place (in item order). */
export interface LabelResult {
  spans: AnnotationSpan[];
  /** New spans. */
  added: AnnotationSpan[];
  /** Suggestions (or rejections) at the same fragments, now accepted, possibly under the item's label. */
  reviewed: AnnotationSpan[];
  /** Accepted spans identical to the item, left as they were. */
  unchanged: AnnotationSpan[];
}

export class AnnotationStore {
  private readonly cache: NoteCache;
  private readonly writer: SidecarWriter;
  private readonly listeners = new Set<ChangeListener>();
  private readonly undoLimit: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly editLog = new EditLog();

  constructor(
    readonly workspaceDir: string,
    private readonly options: AnnotationStoreOptions,
  ) {
    this.undoLimit = options.undoLimit ?? 200;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.cache = new NoteCache((key) => this.read(key));
    this.writer = new SidecarWriter(workspaceDir, this.cache, options.saveDelayMs ?? 250, {
      merged: (key) => this.emit(key, 'merge'),
      stamp: () => this.stamp(),
    });
  }

  // ---- events -------------------------------------------------------------------------------------

  /** Calls `listener` whenever a note's annotations change; returns the function that unsubscribes. */
  onDidChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(note: string, reason: ChangeReason): void {
    for (const l of [...this.listeners]) {
      try {
        l({ note, reason });
      } catch {
        // A failing listener must not break labelling or the other listeners.
      }
    }
  }

  // ---- reading ------------------------------------------------------------------------------------

  /** Notes with a sidecar on disk or annotations in memory, as workspace-relative `/` paths, sorted. */
  async listNotes(): Promise<string[]> {
    const { files } = await walkFiles(workspacePath(this.workspaceDir, ANNOTATIONS_DIR));
    const notes = new Set(files.filter((f) => f.endsWith('.json') && !path.posix.basename(f).startsWith('.')).map((f) => f.slice(0, -'.json'.length)));
    for (const [note, state] of this.cache.entries()) if (state.sidecar.spans.length > 0 || state.sidecar.done) notes.add(note);
    return [...notes].sort();
  }

  /** The note's sidecar (loaded once, then from memory). Throws the InputError of a malformed sidecar. */
  async get(note: string): Promise<Readonly<Sidecar>> {
    return (await this.state(note)).sidecar;
  }

  /** The notes whose sidecar is in memory. */
  loadedNotes(): string[] {
    return this.cache.keys();
  }

  /** Spans of a note already loaded, synchronously (for drawing); undefined if not loaded or malformed. */
  peek(note: string): readonly AnnotationSpan[] | undefined {
    return this.cache.get(normalizeNotePath(note))?.sidecar.spans;
  }

  /** Relations of a note already loaded, synchronously (for hovers); undefined if not loaded or malformed. */
  peekRelations(note: string): readonly AnnotationRelation[] | undefined {
    const state = this.cache.get(normalizeNotePath(note));
    return state && (state.sidecar.relations ?? []);
  }

  /** Notes whose sidecar could not be read, with the reason. */
  errors(): Map<string, InputError> {
    return this.cache.errors();
  }

  /**
   * Loads every listed sidecar (a few at a time, so that 1,000 notes do not open 1,000 files at once).
   * A malformed one is reported in `errors` and does not stop the others.
   */
  async loadAll(concurrency = 32): Promise<{ notes: string[]; errors: InputError[] }> {
    const notes = await this.listNotes();
    const errors: InputError[] = [];
    let next = 0;
    const worker = async () => {
      while (next < notes.length) {
        const note = notes[next++];
        try {
          await this.state(note);
        } catch (e) {
          if (e instanceof InputError) errors.push(e);
          else throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, notes.length) }, worker));
    return { notes: notes.filter((n) => !this.cache.brokenError(n)), errors };
  }

  /**
   * The editor opened the note (or the CLI is about to use it) with its text as on disk (read from disk
   * when omitted). If the note changed since its spans were anchored (sha differs), they are re-anchored
   * from their quotes and the sidecar is rewritten to match.
   */
  async open(note: string, text?: string): Promise<OpenResult> {
    const key = normalizeNotePath(note);
    const state = await this.loaded(key);
    try {
      // Unsaved edits are tracked in memory: the spans follow the editor's text, which is not the file's,
      // and re-anchoring them to any text from quotes written for another version would move them.
      if (!state.textInSync) return { spans: state.sidecar.spans };
      const current = text ?? (await readNoteText(this.workspaceDir, key));
      return this.anchorOpened(key, state, current);
    } finally {
      // Edits the editor made while the sidecar was loading apply after anchoring to the text it opened.
      this.applyQueuedEdits(key, state);
    }
  }

  private anchorOpened(key: string, state: NoteState, current: string): OpenResult {
    const sha = sha256(current);
    if (state.sidecar.noteSha256 === sha) return { spans: state.sidecar.spans };
    if (state.sidecar.spans.length === 0) {
      state.sidecar = { ...state.sidecar, noteSha256: sha };
      return { spans: state.sidecar.spans };
    }
    const result = reanchorSpans(current, state.sidecar.spans, { now: this.stamp() });
    state.sidecar = { ...state.sidecar, noteSha256: sha, spans: result.spans };
    state.textInSync = true;
    this.changed(key, state, 'reanchor');
    return { spans: state.sidecar.spans, reanchored: result };
  }

  /** Forgets the cached sidecar (e.g. the file changed on disk, or the user fixed a malformed one). */
  async reload(note: string): Promise<Readonly<Sidecar>> {
    const key = normalizeNotePath(note);
    await this.writer.inFlight(key);
    this.writer.cancelTimer(key);
    this.cache.forget(key);
    const state = await this.state(key);
    this.emit(key, 'load');
    return state.sidecar;
  }

  /**
   * The note's sidecar may have changed on disk (a file watcher saw it). A loaded note without unsaved
   * changes takes the file as it now is (a malformed one makes the note fail with its InputError, as on
   * load); one with unsaved changes is saved, which merges the file in (or throws the InputError of a
   * malformed file, keeping the changes in memory). The store's own writes are recognised by their sha
   * and cost one read. Returns whether the note's annotations changed; a note not loaded is left alone
   * (it is read when next used), unless it was malformed, in which case it is read again.
   */
  async refreshFromDisk(note: string): Promise<boolean> {
    const key = normalizeNotePath(note);
    await this.cache.settled(key);
    if (!this.cache.get(key)) {
      if (!this.cache.brokenError(key)) return false;
      await this.reload(key);
      return true;
    }
    await this.writer.inFlight(key)?.catch(() => undefined);
    const state = this.cache.get(key);
    if (!state) return false;
    if (state.version !== state.savedVersion) return this.saveAndTellIfMerged(key, state);
    const file = sidecarPathFor(this.workspaceDir, key);
    const disk = await readFileWithSha(file);
    if (this.cache.get(key) !== state || disk?.sha === state.diskSha) return false;
    // Changed in memory during the read: the save merges.
    if (state.version !== state.savedVersion || this.writer.inFlight(key)) return this.saveAndTellIfMerged(key, state);
    let sidecar: Sidecar;
    try {
      sidecar = disk ? parseSidecarFile(disk.raw, file, key) : emptySidecar(key);
    } catch (e) {
      this.cache.markBroken(key, e as InputError);
      this.emit(key, 'load');
      throw e;
    }
    state.sidecar = sidecar;
    state.diskSha = disk?.sha;
    state.diskSidecar = disk ? sidecar : undefined;
    // The undo history describes the version replaced; replaying it over this one could bring back what
    // the other writer deleted, so it goes.
    state.history.clear();
    state.version++;
    state.savedVersion = state.version;
    this.cache.unblock(key);
    this.emit(key, 'load');
    return true;
  }

  private async saveAndTellIfMerged(key: string, state: NoteState): Promise<boolean> {
    const before = state.merges;
    await this.writer.save(key);
    return state.merges !== before;
  }

  /** The note's state, loaded if needed, with the edits that arrived while it was loading applied. */
  private async state(note: string): Promise<NoteState> {
    const key = normalizeNotePath(note);
    const state = await this.loaded(key);
    this.applyQueuedEdits(key, state);
    return state;
  }

  private loaded(note: string): Promise<NoteState> {
    return this.cache.loaded(normalizeNotePath(note));
  }

  /** A note's state as its sidecar file holds it (empty when there is none), for the cache's first load. */
  private async read(key: string): Promise<NoteState> {
    const { sidecar, disk } = await readSidecarOfNote(this.workspaceDir, key);
    return {
      sidecar: sidecar ?? emptySidecar(key),
      version: 0,
      savedVersion: 0,
      textInSync: true,
      history: new UndoHistory(this.undoLimit),
      diskSha: disk?.sha,
      diskSidecar: sidecar,
      merges: 0,
    };
  }

  // ---- labelling operations (each one undoable) ----------------------------------------------------

  /**
   * Adds one span per item (several selections → several spans; one item with several fragments → one
   * discontinuous entity). `text` is the note's current text, for quotes. Returns the new spans.
   */
  async addSpans(note: string, given: string, newItems: NewSpan[]): Promise<AnnotationSpan[]> {
    const { key, state, text, items } = await this.labelling(note, given, newItems);
    const created = items.map((item) => this.newSpan(key, text, item));
    this.apply(key, state, text, created.map((s) => [s.id, s]));
    return created;
  }

  /**
   * "Label selection": one span per item, like `addSpans`, except that an item covering exactly the
   * fragments of a span already in the note does not duplicate it:
   * - a span with the same label that is `suggested` (pre-annotated) or `rejected` is accepted (same id);
   *   one already `accepted` gets the author's vote (votes.ts), and is left as it is if it had it;
   * - otherwise a `suggested` span on those fragments with another label takes the item's label and is
   *   accepted (same id, its model source kept): the model found the right text with the wrong label,
   *   which is what *Change label* on a prediction records, so the prediction counts as reviewed and the
   *   note keeps one span there, with the user's label;
   * - anything else (overlapping but not identical, or an accepted/rejected span of another label) is a
   *   new span.
   * One undo step for all items. Orphans (no offsets) never match.
   */
  async labelSpans(note: string, given: string, newItems: NewSpan[]): Promise<LabelResult> {
    const { key, state, text, items } = await this.labelling(note, given, newItems);
    const stamp = this.stamp();
    const author = this.author();
    const result: LabelResult = { spans: [], added: [], reviewed: [], unchanged: [] };
    // The note's spans as they will be after this action, so that two identical items make one span.
    const current = new Map(state.sidecar.spans.map((s) => [s.id, s]));
    const changes = new Map<string, AnnotationSpan>();
    for (const item of items) {
      const fresh = this.newSpan(key, text, item);
      const same = (s: AnnotationSpan) => !s.flags.includes('orphan') && sameFragments(s.fragments, fresh.fragments);
      const candidates = [...current.values()].filter(same);
      const existing = candidates.find((s) => s.label === fresh.label) ?? candidates.find((s) => s.status === 'suggested');
      if (!existing) {
        current.set(fresh.id, fresh);
        changes.set(fresh.id, fresh);
        result.added.push(fresh);
        result.spans.push(fresh);
      } else if (existing.status === 'accepted' && existing.label === fresh.label && verdictOf(existing, author) === 'accepted') {
        result.unchanged.push(existing);
        result.spans.push(existing);
      } else {
        // A colleague's span of the same label and text gets this author's vote: two votes, not two spans.
        const reviewed = normalizedVotes(withVote(acceptedAs(existing, fresh.label), author, 'accepted', stamp));
        current.set(reviewed.id, reviewed);
        changes.set(reviewed.id, reviewed);
        result.reviewed.push(reviewed);
        result.spans.push(reviewed);
      }
    }
    this.apply(key, state, text, [...changes]);
    return result;
  }

  /**
   * Adds the spans not already there: a span with the same label and fragments as an existing one (or an
   * earlier item) adds nothing, except the item author's vote when they had none on it (`voted`).
   * Imported spans default to source `import`, status `accepted`.
   * With `skipOverlapping` (model pre-annotation), an item that overlaps any span of the note, whatever
   * its label, status or source, is not added either: the note already holds a decision about that text
   * (e.g. an accepted span whose boundaries the user widened, or a rejection).
   */
  async importSpans(
    note: string,
    given: string,
    newItems: NewSpan[],
    options: { skipOverlapping?: boolean } = {},
  ): Promise<{ added: AnnotationSpan[]; duplicates: number; overlapping: number; voted: number }> {
    const { key, state, text, items } = await this.labelling(note, given, newItems);
    const seen = new Map(state.sidecar.spans.map((s) => [identityKey(s.label, s.fragments), s.id]));
    const votes = new Map<string, AnnotationSpan>();
    const taken = options.skipOverlapping ? state.sidecar.spans.filter((s) => !s.flags.includes('orphan')).map((s) => s.fragments) : [];
    const added: AnnotationSpan[] = [];
    let duplicates = 0;
    let overlapping = 0;
    for (const item of items) {
      const span = this.newSpan(key, text, { source: 'import', status: 'accepted', ...item });
      const id = identityKey(span.label, span.fragments);
      const same = seen.get(id);
      if (same !== undefined) {
        // Another annotator's label on the same text: their vote on the span already there (votes.ts). One who
        // already decided on it (a rejection included) keeps that decision.
        const existing = votes.get(same) ?? this.find(state, same);
        if (existing && span.status === 'accepted' && span.author !== '' && verdictOf(existing, span.author) === undefined) {
          votes.set(same, normalizedVotes(withVote(existing, span.author, 'accepted', span.updatedAt)));
        } else duplicates++;
        continue;
      }
      if (options.skipOverlapping && taken.some((f) => fragmentsOverlap(f, span.fragments))) {
        overlapping++;
        continue;
      }
      seen.set(id, span.id);
      if (options.skipOverlapping) taken.push(span.fragments);
      added.push(span);
    }
    const changes: SpanChange[] = [...added.map((s): SpanChange => [s.id, s]), ...[...votes].filter(([id]) => !added.some((s) => s.id === id))];
    if (changes.length > 0) this.apply(key, state, text, changes);
    return { added, duplicates, overlapping, voted: votes.size };
  }

  async removeSpans(note: string, ids: string[]): Promise<number> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const present = ids.filter((id) => this.find(state, id));
    this.apply(key, state, undefined, present.map((id) => [id, null]));
    return present.length;
  }

  /**
   * "Remove label" from the editor: removes the spans as `removeSpans` does, and a sync conflict left with
   * one version is over (conflictVersions.ts: that version loses its `conflict` flag and field, so nothing
   * flagged is saved or synced). One undo step. Returns how many spans were removed.
   */
  async removeSpansResolvingConflicts(note: string, ids: string[]): Promise<number> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const author = this.author();
    // Blind: a span a colleague accepted stays theirs; removing it is this author's rejection.
    const theirs = (id: string) => {
      const s = this.find(state, id);
      return s !== undefined && othersAccepted(s, author);
    };
    const kept = this.blind() ? ids.filter(theirs) : [];
    const stamp = this.stamp();
    const rejections: SpanChange[] = kept.map((id) => [id, normalizedVotes(withVote(this.find(state, id)!, author, 'rejected', stamp))]);
    const removals = this.stamped(removeVersions(state.sidecar.spans, ids.filter((id) => !kept.includes(id))));
    this.apply(key, state, undefined, [...removals, ...rejections]);
    return removals.filter(([, span]) => span === null).length + rejections.length;
  }

  /**
   * "Keep this one" on a version of a sync conflict: the span's other versions are removed and it is no
   * longer in conflict (conflictVersions.ts). One undo step. Returns the ids removed.
   */
  async keepConflictVersion(note: string, id: string): Promise<string[]> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    if (!this.find(state, id)) throw new InputError(note, `no span with id ${id}`);
    const changes = this.stamped(keepVersion(state.sidecar.spans, id));
    this.apply(key, state, undefined, changes);
    return changes.filter(([, span]) => span === null).map(([removed]) => removed);
  }

  /**
   * The start of an operation that brings the note's text and offsets: the note's state, and that text and
   * those offsets caught up with the editor's edits that arrived between the call and now (EditLog), with
   * the spans re-anchored to the text if it is the file's. Refused when an edit rewrote the words given.
   */
  private async labelling<T extends { fragments: Fragment[] }>(note: string, given: string, items: T[]): Promise<{ key: string; state: NoteState; text: string; items: T[] }> {
    const key = normalizeNotePath(note);
    const mark = this.editLog.mark(key);
    const state = await this.state(key);
    const now = this.editLog.since(key, mark, given, items.map((i) => i.fragments));
    if (!now) throw new InputError(note, 'the words to label were rewritten while the labelling waited: nothing was labelled (select them again)');
    this.anchorTo(key, state, now.text);
    return { key, state, text: now.text, items: items.map((item, i) => ({ ...item, fragments: now.lists[i] })) };
  }

  /** Spans a resolution changed carry the time of the change. */
  private stamped(changes: SpanChange[]): SpanChange[] {
    const updatedAt = this.stamp();
    return changes.map(([id, span]) => [id, span && { ...span, updatedAt }]);
  }

  /** A suggestion given a label by hand is reviewed: it is accepted with it (as the hover's "Change label" does). */
  async changeLabel(note: string, ids: string[], label: string): Promise<AnnotationSpan[]> {
    return this.update(note, ids, (s) => (s.status === 'suggested' ? acceptedAs(s, label) : { ...s, label }), undefined, 'content');
  }

  /**
   * Accept or reject (a rejected span stays, as a negative example). Accepting also clears `edited`.
   * With `label`, the span also takes that label (a suggestion accepted under another label).
   */
  async setStatus(note: string, ids: string[], status: SpanStatus, label?: string): Promise<AnnotationSpan[]> {
    const changed = (s: AnnotationSpan) => (status === 'accepted' ? acceptedAs(s, label ?? s.label) : { ...s, ...(label !== undefined ? { label } : {}), status });
    // A new label is new content; the same label is a vote on the span as it is.
    return this.update(note, ids, changed, undefined, (s) => (label !== undefined && label !== s.label ? 'content' : 'vote'));
  }

  /** Moves a span onto new fragments (the user fixed its boundaries): it is no longer edited or orphaned. */
  async setBoundaries(note: string, id: string, given: string, fragments: Fragment[]): Promise<AnnotationSpan> {
    const { text, items } = await this.labelling(note, given, [{ fragments }]);
    const frags = normalizeFragments(items[0].fragments, text.length, note);
    const [span] = await this.update(note, [id], (s) => ({ ...s, fragments: frags, quote: makeQuote(text, frags), flags: [] }), text, 'content');
    if (!span) throw new InputError(note, `no span with id ${id}`);
    return span;
  }

  /** Marks the note done (or not) for everyone, and records who finished it in `doneBy`. */
  async setDone(note: string, done: boolean): Promise<void> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const author = this.author();
    const others = (state.sidecar.doneBy ?? []).filter((a) => a !== author);
    const doneBy = done ? [...others, author].sort() : others;
    if (state.sidecar.done === done && sameList(state.sidecar.doneBy ?? [], doneBy)) return;
    this.apply(key, state, undefined, [], { done, doneBy: doneBy.length ? doneBy : undefined });
  }

  /**
   * *Adjudicate note*: the adjudicator's verdict on spans the annotators disagreed on (the span's status
   * becomes it, and `adjudication` records it, without touching the annotators' votes); with `complete`,
   * the note is marked `adjudicated` (its accepted spans are then what `export --gold` writes). One undo step.
   */
  async adjudicate(note: string, decisions: { id: string; verdict: 'accepted' | 'rejected' }[], complete: boolean): Promise<void> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const by = this.author();
    const at = this.stamp();
    const changes: SpanChange[] = [];
    for (const d of decisions) {
      const s = this.find(state, d.id);
      if (!s) throw new InputError(note, `no span with id ${d.id}`);
      // The shared status follows the adjudication; the votes stay as the annotators cast them.
      const flags = s.flags.filter((f) => f !== 'edited');
      changes.push([s.id, normalizedVotes({ ...s, votes: votesOf(s), status: d.verdict, flags, adjudication: { verdict: d.verdict, by, at }, author: by, updatedAt: at })]);
    }
    this.apply(key, state, undefined, changes, complete ? { adjudicated: { by, at } } : undefined);
  }

  /**
   * Links two spans of the note (`caused_by` from an ADE to a DRUG): one undo step. Which types and labels
   * are allowed is the label schema's business (relationRules.ts), checked by the caller; here both ends
   * must be spans of the note, and the same link is not made twice (the existing one is returned).
   */
  async addRelation(note: string, link: NewRelation): Promise<AnnotationRelation> {
    return (await this.addRelations(note, [link]))[0];
  }

  /** `addRelation` for several links (Pre-annotate's suggestions) as one undo step. */
  async addRelations(note: string, links: NewRelation[]): Promise<AnnotationRelation[]> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const stamp = this.stamp();
    const before = state.sidecar.relations ?? [];
    const { relations, made } = withLinks(before, links, (link) => {
      for (const end of [link.from, link.to]) if (!this.find(state, end)) throw new InputError(note, `no span with id ${end}`);
      if (link.from === link.to) throw new InputError(note, 'a span cannot be linked to itself');
      const source = link.source ?? 'human';
      if (!isValidSource(source)) throw new InputError(note, `a relation's source must be "human", "import" or "model:<name>@<version>", not ${JSON.stringify(source)}`);
      const status = link.status ?? (source.startsWith('model:') ? 'suggested' : 'accepted');
      return { id: this.newId(), type: link.type, from: link.from, to: link.to, source, status, author: this.author(), createdAt: stamp, updatedAt: stamp, ...(link.score !== undefined ? { score: link.score } : {}) };
    });
    if (relations.length !== before.length) this.applyRelations(key, state, relations);
    return made;
  }

  /** Accepts or rejects relations (a rejected one stays, as a negative example): one undo step. */
  async setRelationStatus(note: string, ids: string[], status: SpanStatus): Promise<number> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const { relations, changed } = withStatus(state.sidecar.relations ?? [], ids, status, this.author(), this.stamp());
    if (changed) this.applyRelations(key, state, relations);
    return changed;
  }

  /** Removes relations by id: one undo step. Returns how many were there. */
  async removeRelations(note: string, ids: string[]): Promise<number> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const relations = state.sidecar.relations ?? [];
    const kept = relations.filter((r) => !ids.includes(r.id));
    if (kept.length !== relations.length) this.applyRelations(key, state, kept);
    return relations.length - kept.length;
  }

  /**
   * Sets an attribute of spans (`assertion` = `absent`), or clears it with `value` undefined: one undo step.
   * Values are the schema's business (relationRules.ts), checked by the caller.
   */
  async setAttribute(note: string, ids: string[], name: string, value: string | undefined): Promise<AnnotationSpan[]> {
    return this.update(note, ids, (s) => {
      const { attributes: old, ...rest } = s;
      const attributes = Object.fromEntries(Object.entries({ ...old, [name]: value }).filter((e): e is [string, string] => e[1] !== undefined));
      return Object.keys(attributes).length ? { ...rest, attributes } : rest;
    });
  }

  /**
   * "Keep this one" on a version of a relation a sync kept in two: the other version goes and this one is
   * no longer in conflict. One undo step. Returns the ids removed.
   */
  async keepRelationVersion(note: string, id: string): Promise<string[]> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const kept = keepingVersion(state.sidecar.relations ?? [], id, this.stamp());
    if (!kept) throw new InputError(note, `no relation with id ${id}`);
    this.applyRelations(key, state, kept.relations);
    return kept.removed;
  }

  /** Replaces the note's relations as one undo step. */
  private applyRelations(key: string, state: NoteState, relations: AnnotationRelation[]): void {
    const before = state.sidecar.relations ?? [];
    const head = noteHead(state.sidecar);
    state.sidecar = { ...state.sidecar, relations };
    state.history.record({ before: new Map(), after: new Map(), headBefore: head, headAfter: head, relations: { before, after: relations } });
    this.changed(key, state, 'label');
  }

  /** Undoes the note's last labelling action; false when there is none. */
  async undo(note: string): Promise<boolean> {
    return this.travel(note, 'undo');
  }

  async redo(note: string): Promise<boolean> {
    return this.travel(note, 'redo');
  }

  private async travel(note: string, direction: TravelDirection): Promise<boolean> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    const entry = state.history.take(direction);
    if (!entry) return false;
    const target = direction === 'undo' ? entry.before : entry.after;
    const stamp = this.stamp();
    const byId = new Map(state.sidecar.spans.map((s) => [s.id, s]));
    for (const [id, span] of target) {
      if (span) byId.set(id, { ...span, updatedAt: stamp });
      else byId.delete(id);
    }
    state.sidecar = {
      ...withHead(state.sidecar, direction === 'undo' ? entry.headBefore : entry.headAfter),
      spans: [...byId.values()].sort(compareAnnotationSpans),
    };
    if (entry.relations) state.sidecar.relations = direction === 'undo' ? entry.relations.before : entry.relations.after;
    this.changed(key, state, direction);
    return true;
  }

  /**
   * Changes spans by id as one undo step. What the change means for votes (votes.ts):
   * - `vote` (accept, reject): the author's vote becomes the new status, the others' stay;
   * - `content` (label, boundaries): the others voted on what the span was, so their votes go, and the
   *   author's is the new status; in blind mode a span someone else accepted is left to them and the
   *   author gets a copy with the change (and their rejection of the original is recorded);
   * - `other` (attributes): votes are untouched.
   * Returns the spans as changed (the copies, for copies).
   */
  private async update(
    note: string,
    ids: string[],
    change: (s: AnnotationSpan) => AnnotationSpan,
    text?: string,
    kind: UpdateKind | ((s: AnnotationSpan) => UpdateKind) = 'other',
  ): Promise<AnnotationSpan[]> {
    const key = normalizeNotePath(note);
    const state = await this.state(key);
    if (text !== undefined) this.anchorTo(key, state, text);
    const stamp = this.stamp();
    const author = this.author();
    const blind = this.blind();
    const updated: AnnotationSpan[] = [];
    const changes: SpanChange[] = [];
    for (const id of ids) {
      const s = this.find(state, id);
      if (!s) continue;
      const how = typeof kind === 'function' ? kind(s) : kind;
      const next = change(s);
      const verdict = next.status === 'suggested' ? undefined : next.status;
      if (how === 'content' && blind && othersAccepted(s, author)) {
        const { votes: _v, adjudication: _a, conflict: _c, ...content } = next;
        const copy: AnnotationSpan = { ...content, id: this.newId(), author, createdAt: stamp, updatedAt: stamp };
        changes.push([s.id, normalizedVotes(withVote(s, author, 'rejected', stamp, s.status))]);
        changes.push([copy.id, normalizedVotes(copy)]);
        updated.push(copy);
        continue;
      }
      let span: AnnotationSpan;
      if (how === 'vote') span = withVote({ ...next, votes: votesOf(s) }, author, verdict, stamp);
      else if (how === 'content') span = { ...next, author, updatedAt: stamp, votes: verdict ? [{ author, verdict, at: stamp }] : [] };
      else span = { ...next, author, updatedAt: stamp, votes: votesOf(s) };
      span = normalizedVotes(span);
      changes.push([s.id, span]);
      updated.push(span);
    }
    this.apply(key, state, text, changes);
    return updated;
  }

  /** Applies a labelling action as one undo step: spans by id (null removes), and optionally note-level fields. */
  private apply(key: string, state: NoteState, text: string | undefined, changes: [string, AnnotationSpan | null][], head?: Partial<NoteHead>): void {
    if (changes.length === 0 && head === undefined) return;
    const byId = new Map(state.sidecar.spans.map((s) => [s.id, s]));
    const headBefore = noteHead(state.sidecar);
    const entry: UndoEntry = { before: new Map(), after: new Map(), headBefore, headAfter: { ...headBefore, ...head } };
    for (const [id, span] of changes) {
      entry.before.set(id, byId.get(id) ?? null);
      entry.after.set(id, span);
      if (span) byId.set(id, span);
      else byId.delete(id);
    }
    const sidecar: Sidecar = { ...withHead(state.sidecar, entry.headAfter), spans: [...byId.values()].sort(compareAnnotationSpans) };
    // The text passed along is the one on disk when the editor has no unsaved edits: anchor to it.
    if (text !== undefined && state.textInSync) sidecar.noteSha256 = sha256(text);
    state.sidecar = sidecar;
    state.history.record(entry);
    this.changed(key, state, 'label');
  }

  /**
   * Before an operation that brings the note's text: if that text is the note on disk (no unsaved edits)
   * and differs from the one the spans were anchored to, re-anchor them first, so that a caller that did
   * not `open` the note cannot mix old offsets with new ones.
   */
  private anchorTo(key: string, state: NoteState, text: string): void {
    if (!state.textInSync || state.sidecar.spans.length === 0) return;
    const sha = sha256(text);
    if (sha === state.sidecar.noteSha256) return;
    const result = reanchorSpans(text, state.sidecar.spans, { now: this.stamp() });
    state.sidecar = { ...state.sidecar, noteSha256: sha, spans: result.spans };
    this.changed(key, state, 'reanchor');
  }

  private newSpan(note: string, text: string, item: NewSpan): AnnotationSpan {
    if (typeof item.label !== 'string' || item.label.length === 0) throw new InputError(note, 'a span needs a label');
    const fragments = normalizeFragments(item.fragments, text.length, note);
    // Never write a sidecar the parser would refuse (the file would then be blocked for every writer).
    if (item.source !== undefined && !isValidSource(item.source)) throw new InputError(note, `a span's source must be "human", "import" or "model:<name>@<version>", not ${JSON.stringify(item.source)}`);
    const stamp = this.stamp();
    const span: AnnotationSpan = {
      id: this.newId(),
      label: item.label,
      fragments,
      quote: makeQuote(text, fragments),
      source: item.source ?? 'human',
      status: item.status ?? (item.source?.startsWith('model:') ? 'suggested' : 'accepted'),
      flags: [],
      author: item.author ?? this.author(),
      createdAt: stamp,
      updatedAt: stamp,
    };
    if (item.score !== undefined) span.score = item.score;
    return span;
  }

  private find(state: NoteState, id: string): AnnotationSpan | undefined {
    return state.sidecar.spans.find((s) => s.id === id);
  }

  // ---- following the text -------------------------------------------------------------------------

  /**
   * The editor changed the note (VS Code's contentChanges, in their order). Synchronous and fast: called
   * on every keystroke. Spans (and those held for undo / redo) follow the text; nothing is written until
   * `noteSaved`. Returns false if the note is not loaded (its spans are then re-anchored on save).
   * With `textAfter`, orphans whose exact text and context came back (an editor undo) are recovered.
   */
  applyEdits(note: string, edits: readonly TextEdit[], textAfter?: string): boolean {
    const key = normalizeNotePath(note);
    this.editLog.record(key, edits);
    const state = this.cache.get(key);
    if (!state) {
      // The sidecar is being read (the note was just opened): keep the edits for when it is there, so
      // that keys typed during the read move the spans too.
      if (!this.cache.isLoading(key)) return false;
      this.cache.queueEdits(key, { edits: [...edits], textAfter });
      return true;
    }
    this.track(key, state, edits, textAfter);
    return true;
  }

  private applyQueuedEdits(key: string, state: NoteState): void {
    for (const { edits, textAfter } of this.cache.takeQueuedEdits(key)) this.track(key, state, edits, textAfter);
  }

  private track(key: string, state: NoteState, edits: readonly TextEdit[], textAfter: string | undefined): void {
    if (edits.length === 0) return;
    const stamp = this.stamp();
    let spans = applyEdits(state.sidecar.spans, edits, stamp);
    if (textAfter !== undefined) spans = trimEdited(textAfter, state.sidecar.spans, spans);
    if (textAfter !== undefined && spans.some((s) => s.flags.includes('orphan'))) {
      const orphans = spans.filter((s) => s.flags.includes('orphan'));
      const found = reanchorSpans(textAfter, orphans, { strict: true, now: stamp });
      if (found.recovered.length > 0) {
        const byId = new Map(found.spans.map((s) => [s.id, s]));
        spans = spans.map((s) => byId.get(s.id) ?? s);
      }
    }
    state.sidecar = { ...state.sidecar, spans };
    state.history.followEdits(edits);
    state.textInSync = false;
    this.writer.cancelTimer(key);
    state.version++;
    this.emit(key, 'edit');
  }

  /**
   * The editor's copy of the note was replaced by the file on disk, which another program changed (VS Code
   * reloads a clean document with edits, which `applyEdits` has applied like typing), and it now holds
   * `text`, as on disk. Those edits were not the user's: a label whose own words they rewrote must not
   * follow onto the new words. Every span whose text is no longer its quote is looked up again by quote
   * and context (`reanchorSpans`): found intact elsewhere it moves there, otherwise it becomes an orphan.
   * Then the note is as saved. Returns the ids of the spans left orphans, for the user to be told.
   */
  async reloaded(note: string, text: string): Promise<string[]> {
    const key = normalizeNotePath(note);
    if (!this.cache.get(key)) return (await this.open(key, text)).reanchored?.orphaned ?? [];
    const state = await this.state(key);
    // Orphans too: a reload replaces whole lines, so every label on a changed line was lost first.
    const stale = state.sidecar.spans.filter((s) => s.flags.includes('orphan') || makeQuote(text, s.fragments).text !== s.quote.text);
    if (stale.length === 0) {
      await this.noteSaved(key, text);
      return [];
    }
    // The reload's edits flagged them `edited`; found again by their own words, they were not.
    const unflagged = stale.map((s) => ({ ...s, flags: s.flags.filter((f) => f !== 'edited') }));
    const found = reanchorSpans(text, unflagged, { now: this.stamp() });
    const byId = new Map(found.spans.map((s) => [s.id, s]));
    state.sidecar = { ...state.sidecar, spans: state.sidecar.spans.map((s) => byId.get(s.id) ?? s) };
    state.version++;
    await this.noteSaved(key, text);
    this.emit(key, 'reanchor');
    return found.orphaned;
  }

  /**
   * The editor saved the note with `text`: quotes are refreshed from it (orphans keep their old quote, the
   * only record of what was lost), the sha recorded, and the sidecar written.
   */
  async noteSaved(note: string, text: string): Promise<void> {
    const key = normalizeNotePath(note);
    // Edits the store did not see (made before the sidecar was loaded or being loaded): re-anchor against
    // the saved text. Edits that arrived during the load were kept and are applied by state().
    const unseen = !this.cache.get(key) && !this.cache.hasQueuedEdits(key);
    const state = await this.state(key);
    if (unseen) {
      await this.open(key, text);
      return;
    }
    const spans = state.sidecar.spans.map((s) => {
      if (s.flags.includes('orphan')) return s;
      if (spanEnd(s) > text.length) return { ...s, flags: [...s.flags, 'orphan' as const], fragments: [[text.length, text.length]] as Fragment[] };
      const quote = makeQuote(text, s.fragments);
      return quote.text === s.quote.text && quote.prefix === s.quote.prefix && quote.suffix === s.quote.suffix ? s : { ...s, quote };
    });
    const sha = sha256(text);
    const changed = !state.textInSync || sha !== state.sidecar.noteSha256 || spans.some((s, i) => s !== state.sidecar.spans[i]);
    state.sidecar = { ...state.sidecar, noteSha256: sha, spans };
    state.textInSync = true;
    if (changed) this.changed(key, state, 'saved');
  }

  // ---- writing ------------------------------------------------------------------------------------

  private changed(key: string, state: NoteState, reason: ChangeReason): void {
    state.version++;
    this.emit(key, reason);
    if (state.textInSync) this.writer.schedule(key);
  }

  /**
   * Writes the note's sidecar now if it has unwritten changes whose offsets match the saved note; a file
   * changed on disk meanwhile is merged in first (SidecarWriter.save).
   */
  async save(note: string): Promise<void> {
    await this.writer.save(normalizeNotePath(note));
  }

  /** Writes everything pending now and waits for writes in flight. Rejects with the first failure. */
  async flush(): Promise<void> {
    await this.writer.flush();
  }

  /** Notes with changes not yet on disk (including those waiting for the editor to save the note). */
  pendingNotes(): string[] {
    return this.cache.entries().filter(([, s]) => s.version !== s.savedVersion).map(([k]) => k);
  }

  // ---- notes renamed, moved, deleted ---------------------------------------------------------------

  /**
   * The note was renamed or moved: its sidecar follows (renamed, then rewritten with its new "note"
   * field). A sidecar already at the new place belonged to the note that the move overwrote, and is
   * replaced. A malformed sidecar is moved as it is, unparsed. Unsaved changes move with the state.
   */
  async moveNote(oldRel: string, newRel: string): Promise<void> {
    const from = normalizeNotePath(oldRel);
    const to = normalizeNotePath(newRel);
    if (from === to) return;
    await this.writer.settle(from);
    await this.writer.settle(to);
    const oldFile = sidecarPathFor(this.workspaceDir, from);
    const newFile = sidecarPathFor(this.workspaceDir, to);
    this.cache.forget(to);
    this.cache.unblock(from);
    const bad = this.cache.brokenError(from);
    if (bad) {
      await fs.mkdir(path.dirname(newFile), { recursive: true });
      await fs.rename(oldFile, newFile);
      this.cache.forget(from);
      this.cache.markBroken(to, new InputError(newFile, bad.problem, bad.line));
    } else {
      let state: NoteState | undefined;
      try {
        state = await this.state(from);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        return this.moveNote(from, to); // became known as malformed: move it unparsed
      }
      const hadSidecar = await exists(oldFile);
      state.sidecar = { ...state.sidecar, note: to };
      this.cache.delete(from);
      this.cache.set(to, state);
      if (hadSidecar) {
        // Rename first (atomic, keeps the data whatever happens next), then rewrite its "note" field.
        await fs.mkdir(path.dirname(newFile), { recursive: true });
        await fs.rename(oldFile, newFile);
      }
      if (state.textInSync && (hadSidecar || state.version !== state.savedVersion)) await this.writer.writeState(newFile, to, state);
    }
    await removeEmptyParents(path.dirname(oldFile), workspacePath(this.workspaceDir, ANNOTATIONS_DIR));
    this.emit(from, 'move');
    this.emit(to, 'move');
  }

  /**
   * The note was deleted: its sidecar is removed locally (the sync layer records a tombstone remotely,
   * and git keeps the history), with its in-memory state and undo history.
   */
  async deleteNote(rel: string): Promise<void> {
    const key = normalizeNotePath(rel);
    await this.writer.settle(key);
    const file = sidecarPathFor(this.workspaceDir, key);
    this.cache.forget(key);
    this.editLog.forget(key);
    await fs.rm(file, { force: true });
    await removeEmptyParents(path.dirname(file), workspacePath(this.workspaceDir, ANNOTATIONS_DIR));
    this.emit(key, 'delete');
  }

  /** Stops timers; call flush() first to keep changes. */
  dispose(): void {
    this.writer.dispose();
    this.listeners.clear();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private blind(): boolean {
    return typeof this.options.blind === 'function' ? this.options.blind() : this.options.blind === true;
  }

  private author(): string {
    return typeof this.options.author === 'function' ? this.options.author() : this.options.author;
  }
}

/** A span reviewed and accepted under `label`: accepting also clears `edited` (the human saw it as it is). */
type UpdateKind = 'vote' | 'content' | 'other';

function noteHead(sidecar: Sidecar): NoteHead {
  return { done: sidecar.done, doneBy: sidecar.doneBy, adjudicated: sidecar.adjudicated };
}

/** The sidecar with these note-level fields; an absent optional field is removed, not written as undefined. */
function withHead(sidecar: Sidecar, head: NoteHead): Sidecar {
  const { doneBy: _d, adjudicated: _a, ...rest } = sidecar;
  const out: Sidecar = { ...rest, done: head.done };
  if (head.doneBy && head.doneBy.length > 0) out.doneBy = head.doneBy;
  if (head.adjudicated) out.adjudicated = head.adjudicated;
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Accepted under `label`; the votes it had are kept explicit (an implied vote would change with the status). */
function acceptedAs(span: AnnotationSpan, label: string): AnnotationSpan {
  return { ...span, votes: votesOf(span), label, status: 'accepted', flags: span.flags.filter((f) => f !== 'edited') };
}
