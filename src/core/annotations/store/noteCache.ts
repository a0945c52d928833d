import { InputError } from '../../errors';
import type { TextEdit } from '../offsetTracking';
import type { Sidecar } from '../sidecar';
import type { UndoHistory } from './undoHistory';

/** A loaded note: its sidecar in memory, what of it is written, and what the file on disk last held. */
export interface NoteState {
  sidecar: Sidecar;
  /** Bumped on every change; compared with `savedVersion` to know what is unwritten. */
  version: number;
  savedVersion: number;
  /** False while the editor holds unsaved edits: the offsets then describe text that is not on disk. */
  textInSync: boolean;
  history: UndoHistory;
  /** sha256 of the file's bytes as the store last read or wrote them; undefined = there was no file. */
  diskSha: string | undefined;
  /** The sidecar as it was in that file (undefined: no file): the base of a merge with a newer file. */
  diskSidecar: Sidecar | undefined;
  /** Versions from other writers merged in by saves (tells `refreshFromDisk` that one happened). */
  merges: number;
}

/** Editor edits that arrived while the note's sidecar was loading, with the text after the batch. */
export interface QueuedEdits {
  edits: TextEdit[];
  textAfter?: string;
}

/**
 * The notes a store holds, by normalized note path, each in one of these states: loading (read once,
 * callers share the read), loaded, broken (its sidecar cannot be parsed: every use throws its InputError
 * until it is read again) or loaded but blocked (the file on disk became malformed after the load: the
 * changes stay in memory and cannot be written).
 */
export class NoteCache {
  private readonly states = new Map<string, NoteState>();
  private readonly loading = new Map<string, Promise<NoteState>>();
  private readonly broken = new Map<string, InputError>();
  private readonly blocked = new Map<string, InputError>();
  private readonly queuedEdits = new Map<string, QueuedEdits[]>();

  /** `read` loads a note's state from disk; it rejects with an InputError naming the file. */
  constructor(private readonly read: (key: string) => Promise<NoteState>) {}

  get(key: string): NoteState | undefined {
    return this.states.get(key);
  }

  set(key: string, state: NoteState): void {
    this.states.set(key, state);
  }

  /** Forgets the loaded state only (a note moved away). */
  delete(key: string): void {
    this.states.delete(key);
  }

  entries(): [string, NoteState][] {
    return [...this.states];
  }

  keys(): string[] {
    return [...this.states.keys()];
  }

  /** The note's state, read on first use; a broken note rejects with its InputError. */
  loaded(key: string): Promise<NoteState> {
    const ready = this.states.get(key);
    if (ready) return Promise.resolve(ready);
    const bad = this.broken.get(key);
    if (bad) return Promise.reject(bad);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(key: string): Promise<NoteState> {
    let state: NoteState;
    try {
      state = await this.read(key);
    } catch (e) {
      this.queuedEdits.delete(key);
      this.broken.set(key, e as InputError);
      throw e;
    }
    this.states.set(key, state);
    return state;
  }

  isLoading(key: string): boolean {
    return this.loading.has(key);
  }

  /** Waits for a read in progress; its failure is recorded as the note's error, not thrown here. */
  async settled(key: string): Promise<void> {
    await this.loading.get(key)?.catch(() => undefined);
  }

  brokenError(key: string): InputError | undefined {
    return this.broken.get(key);
  }

  /** The sidecar on disk is malformed: the note fails with `error` until it is read again. */
  markBroken(key: string, error: InputError): void {
    this.states.delete(key);
    this.blocked.delete(key);
    this.broken.set(key, error);
  }

  /** The note stays loaded, but the malformed file on disk must not be written over. */
  markBlocked(key: string, error: InputError): void {
    this.blocked.set(key, error);
  }

  unblock(key: string): void {
    this.blocked.delete(key);
  }

  /** Forgets the note entirely: the next use reads it again. */
  forget(key: string): void {
    this.states.delete(key);
    this.broken.delete(key);
    this.blocked.delete(key);
  }

  /** Notes whose sidecar could not be read or written, with the reason. */
  errors(): Map<string, InputError> {
    return new Map([...this.broken, ...this.blocked]);
  }

  queueEdits(key: string, batch: QueuedEdits): void {
    const queue = this.queuedEdits.get(key) ?? [];
    queue.push(batch);
    this.queuedEdits.set(key, queue);
  }

  hasQueuedEdits(key: string): boolean {
    return this.queuedEdits.has(key);
  }

  /** The edits queued for the note, removed from the queue. */
  takeQueuedEdits(key: string): QueuedEdits[] {
    const queue = this.queuedEdits.get(key) ?? [];
    this.queuedEdits.delete(key);
    return queue;
  }
}
