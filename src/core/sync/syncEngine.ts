import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseLabelSchema } from '../annotations/labelSchema';
import { parseSidecar as parseStoredSidecar } from '../annotations/sidecar';
import { errorMessage } from '../errors';
import { isTempName, writeFileAtomic } from '../fs/atomicWrite';
import { readBytesIfExists } from '../fs/notFound';
import { stripBom } from '../fs/text';
import { walkFiles } from '../fs/walk';
import { withFileLock } from '../fs/fileLock';
import { assertNoSymlinkBelow, symlinkBelow, SymlinkRefusedError } from '../fs/symlinks';
import { sha256Hex } from '../fs/sha256';
import { ANNOTATIONS_DIR, LABELS_FILE, LABELS_REMOTE_COPY, SIDELIGHT_DIR, workspacePath } from '../workspaceLayout';
import { canonicalJson, remoteHoldsBytes } from './hash';
import { isTombstone, mergeSidecars, parseSidecar, type MergeEvent } from './merge';
import { readModelLock } from '../model/modelLock';
import { pinnedModelPresent, pullModel } from './modelArtifacts';
import { mapLimit } from './pool';
import { PreconditionFailedError, SyncCancelledError, throwIfAborted, type Remote, type RemoteEntry } from './remote';
import { checkRemoteKey, isSafeRemoteKey, resolveKeyUnder } from './remoteKey';
import { SyncState } from './syncState';
import { adoptTeamPin, TEAM_PIN_KEY } from './teamModelPin';
import { exists, removeIfOlderThan } from '../fs/exists';

/**
 * The sync of a workspace with its remote. Remote layout (relative to the remote's prefix):
 * - `annotations/<note path>.json` ↔ `.sidelight/annotations/<note path>.json`, both ways, merged per span;
 * - `labels.json` ↔ `.sidelight/labels.json`, both ways, whole file;
 * - `notes/<note path>` → `<note path>` in the workspace, one way, never overwriting a note edited here;
 * - the model pinned in `.sidelight/model.lock` is fetched when its folder is missing.
 *
 * For each file, the state of the last sync (ETag + sha256, `syncState.ts`) says which side changed:
 * neither → nothing is sent (a no-change sync is three LISTs: annotations/, labels.json, notes/, and a HEAD of the team's model pin); one
 * side → copy it over (a PUT conditional on the ETag we last saw, or a GET); both → GET, three-way merge,
 * conditional PUT of the result. A 412 means someone wrote in between: re-read, re-merge, retry. Local writes are atomic and re-check that the file
 * was not edited meanwhile; if it was, the local file is left alone and the next sync merges again.
 * Deleting a synced sidecar pushes a tombstone; a tombstone deletes the local file only if it is unchanged
 * since the last sync. Nothing is lost: everything that cannot be reconciled is kept and reported.
 */

export interface SyncProgress {
  phase: 'listing' | 'files' | 'notes' | 'model';
  done: number;
  total: number;
}

export type SyncEvent =
  | { key: string; kind: 'pushed' | 'pulled' | 'merged' | 'tombstonePushed' | 'deletedLocally' | 'notePulled' }
  /** A remote tombstone arrived for a file changed here: the local version was pushed again. */
  | { key: string; kind: 'keptOverTombstone' }
  | { key: string; kind: 'merge'; event: MergeEvent }
  /** Both sides changed labels.json: local kept, the remote version is in `.sidelight/labels.remote.json`. */
  | { key: string; kind: 'labelsConflict'; remoteCopy: string }
  /** A remote note differs from the local file, which was left untouched. */
  | { key: string; kind: 'noteDiffers'; file: string }
  | { key: string; kind: 'modelPulled'; detail: string }
  /** The team's pinned model (the remote's model.lock) changed and is now pinned here too. */
  | { key: string; kind: 'modelPinned'; detail: string };

/** What a sync moved; the `--json` summary line prints exactly these keys, in this order (a contract). */
export interface SyncCounts {
  pushed: number;
  pulled: number;
  /** Conflicts created or still open (both versions kept; a person resolves them). */
  conflicts: number;
  deleted: number;
  unchanged: number;
  models: number;
}

export interface SyncResult extends SyncCounts {
  /** One message per file that could not be synced (naming it); empty when the sync completed. */
  errors: string[];
  events: SyncEvent[];
}

export interface SyncStatus {
  toPush: string[];
  toPull: string[];
  /** Changed on both sides: a sync will merge them. */
  toMerge: string[];
  /** Deleted here since the last sync: a sync will push tombstones. */
  toDelete: string[];
  notesToPull: string[];
  /** `.sidelight/labels.remote.json` exists: a labels conflict waits for a person. */
  labelsConflictOpen: boolean;
  modelMissing: boolean;
  errors: string[];
}

export interface SyncOptions {
  workspaceDir: string;
  remote: Remote;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Requests in flight (default 16). */
  concurrency?: number;
  /** Pull `notes/` (default true). */
  pullNotes?: boolean;
  /** Fetch the model pinned in model.lock when missing (default true). */
  fetchPinnedModel?: boolean;
  /**
   * Which workspace-relative paths are notes (the editor passes its `sidelight.include`/`exclude`);
   * default: `.txt` and `.md` files. A remote note it does not admit is refused, never written.
   */
  isNote?: (rel: string) => boolean;
}

const MAX_RACE_RETRIES = 5;
// writeFileAtomic's temporary files (isTempName): never synced; one older than STALE_TMP_MS was left by
// a process killed mid-write (a write takes milliseconds) and is deleted.
const STALE_TMP_MS = 10 * 60_000;
/**
 * The largest sidecar, labels.json or note a sync moves (the listing says each object's size, so a
 * larger one is refused before it is read: a pull reads these files whole). The editor's largest
 * note is 2 million characters; no sidecar comes near this.
 */
export const MAX_SYNC_FILE_BYTES = 16 * 1024 * 1024;

type Plan =
  | { action: 'unchanged' | 'adopt' }
  | { action: 'push' | 'pull' | 'merge' | 'delete' | 'forget' | 'labelsConflictOpen' };

interface Item {
  key: string;
  /** Workspace-relative local path ('/' separated), also the hash-cache key. */
  rel: string;
  file: string;
  remote?: RemoteEntry;
}

export class SyncEngine {
  async sync(options: SyncOptions): Promise<SyncResult> {
    const run = new SyncRun(options);
    return run.sync();
  }

  /** What a sync would move, without moving anything: one LIST and local hashing. */
  async status(options: SyncOptions): Promise<SyncStatus> {
    return new SyncRun(options).status();
  }
}

class SyncRun {
  private readonly ws: string;
  private readonly remote: Remote;
  private readonly signal?: AbortSignal;
  private state!: SyncState;
  private readonly result: SyncResult = { pushed: 0, pulled: 0, conflicts: 0, deleted: 0, unchanged: 0, models: 0, errors: [], events: [] };

  constructor(private readonly options: SyncOptions) {
    this.ws = path.resolve(options.workspaceDir);
    this.remote = options.remote;
    this.signal = options.signal;
  }

  private localFileFor(key: string): { rel: string; file: string } {
    if (key === 'labels.json') return { rel: LABELS_FILE, file: workspacePath(this.ws, LABELS_FILE) };
    const sub = key.slice('annotations/'.length);
    return { rel: `${ANNOTATIONS_DIR}/${sub}`, file: resolveKeyUnder(workspacePath(this.ws, ANNOTATIONS_DIR), sub) };
  }

  private error(key: string, e: unknown): void {
    if (e instanceof SyncCancelledError || this.signal?.aborted) throw e instanceof SyncCancelledError ? e : new SyncCancelledError();
    this.result.errors.push(`${key}: ${errorMessage(e)}`);
  }

  /** Lists both sides and pairs them up. Hostile or malformed remote keys become errors, never paths. */
  private async gather(): Promise<{ items: Item[]; notes: RemoteEntry[] }> {
    this.state = await SyncState.load(this.ws, this.remote.url);
    this.options.onProgress?.({ phase: 'listing', done: 0, total: 1 });
    // Three prefix listings rather than one of everything: `models/` can hold large files, which a
    // file remote would have to hash to list.
    const listed = (
      await Promise.all(['annotations/', 'labels.json', 'notes/'].map((p) => this.remote.list(p, { signal: this.signal })))
    ).flat();
    const items = new Map<string, Item>();
    const notes: RemoteEntry[] = [];
    // Keys reported here and left out of the sync, whichever side has them.
    const refused = new Set<string>();
    const refuse = (key: string, message: string) => {
      refused.add(key);
      this.result.errors.push(message);
    };
    // A linked `.sidelight`, `.sidelight/annotations` or labels.json would make every read and write of
    // the files below it happen elsewhere: those are not synced at all (said once).
    const annotationsRoot = workspacePath(this.ws, ANNOTATIONS_DIR);
    const annotationsLink = await symlinkBelow(this.ws, annotationsRoot);
    if (annotationsLink !== undefined) this.result.errors.push(`${new SymlinkRefusedError(annotationsLink).message}; no annotations were synced`);
    const labelsLink = await symlinkBelow(this.ws, workspacePath(this.ws, LABELS_FILE));
    if (labelsLink !== undefined) refuse('labels.json', `${new SymlinkRefusedError(labelsLink).message}; labels.json was not synced`);

    for (const entry of listed) {
      const { key } = entry;
      if (key === 'labels.json' || key.startsWith('annotations/')) {
        if (!isSafeRemoteKey(key)) {
          try {
            checkRemoteKey(key);
          } catch (e) {
            this.result.errors.push(errorMessage(e));
          }
          continue;
        }
        if (key !== 'labels.json' && !key.endsWith('.json')) continue;
        if (annotationsLink !== undefined && key !== 'labels.json') continue;
        items.set(key, { key, ...this.localFileFor(key), remote: entry });
      } else if (key.startsWith('notes/')) {
        notes.push(entry);
      }
    }
    // Local sidecars.
    if (annotationsLink === undefined) {
      const { files, links } = await walkFiles(annotationsRoot);
      for (const link of links) this.result.errors.push(new SymlinkRefusedError(`${ANNOTATIONS_DIR}/${link}`).message);
      for (const rel of files) {
        const base = path.posix.basename(rel);
        if (isTempName(base)) {
          await removeIfOlderThan(workspacePath(annotationsRoot, rel), STALE_TMP_MS);
          continue;
        }
        if (!base.endsWith('.json')) continue;
        const key = `annotations/${rel}`;
        if (!isSafeRemoteKey(key)) {
          this.result.errors.push(`${path.join(ANNOTATIONS_DIR, rel)}: this file name cannot be synced (${errorMessage(catchOf(() => checkRemoteKey(key)))})`);
          continue;
        }
        if (!items.has(key)) items.set(key, { key, ...this.localFileFor(key) });
      }
      // A linked sidecar, or any key below a linked folder, is neither pushed nor pulled through.
      const linkKeys = links.map((link) => `annotations/${link}`);
      const below = (key: string) => linkKeys.some((l) => key === l || key.startsWith(`${l}/`));
      for (const key of [...items.keys(), ...this.state.keys()]) if (below(key)) refused.add(key);
    }
    await this.removeStaleTmpFiles(workspacePath(this.ws, SIDELIGHT_DIR));
    if (!items.has('labels.json') && labelsLink === undefined && (await exists(workspacePath(this.ws, LABELS_FILE)))) {
      items.set('labels.json', { key: 'labels.json', ...this.localFileFor('labels.json') });
    }
    // Keys synced before but now missing on both sides' listings (deleted locally, gone remotely).
    for (const key of this.state.keys()) {
      if ((key === 'labels.json' || (key.startsWith('annotations/') && annotationsLink === undefined)) && !items.has(key) && isSafeRemoteKey(key)) {
        items.set(key, { key, ...this.localFileFor(key) });
      }
    }
    // A key below another key (`annotations/a.txt.json/x.json` beside `annotations/a.txt.json`) would
    // turn a file's path into a folder: the deeper key is refused by name and the file stays a file.
    for (const [key, file] of [...folderClashes(items.keys()), ...folderClashes(notes.map((n) => n.key))]) {
      refuse(key, `refused key ${JSON.stringify(key)}: ${JSON.stringify(file)} is a file, and this key would need it to be a folder`);
    }
    for (const entry of [...items.values()].map((i) => i.remote).concat(notes)) {
      if (entry && entry.size > MAX_SYNC_FILE_BYTES) {
        refuse(entry.key, `refused remote ${JSON.stringify(entry.key)}: ${entry.size.toLocaleString('en')} bytes, over the ${MAX_SYNC_FILE_BYTES / 1024 / 1024} MiB a sync moves (docs/sync.md)`);
      }
    }
    for (const key of refused) items.delete(key);
    return { items: [...items.values()].sort((a, b) => (a.key < b.key ? -1 : 1)), notes: notes.filter((n) => !refused.has(n.key)) };
  }

  /** Deletes writeFileAtomic temporary files directly in `dir` left by a killed process. */
  private async removeStaleTmpFiles(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) if (isTempName(name)) await removeIfOlderThan(path.join(dir, name), STALE_TMP_MS);
  }

  /** `bytes`: the local file's content when it was read to hash it (a push then sends these bytes). */
  private async plan(item: Item): Promise<{ plan: Plan; local?: string; bytes?: Uint8Array }> {
    const synced = this.state.get(item.key);
    const read = await this.state.readLocal(item.rel, item.file);
    const local = read?.sha256;
    const localChanged = synced ? local !== synced.sha256 : local !== undefined;
    const remoteChanged = synced ? item.remote?.etag !== synced.etag : item.remote !== undefined;
    if (!localChanged && !remoteChanged) return { plan: { action: 'unchanged' }, local };
    if (!synced && local !== undefined && item.remote) {
      const bytes = read?.bytes ?? (await readBytesIfExists(item.file));
      if (bytes && remoteHoldsBytes(item.remote, bytes)) return { plan: { action: 'adopt' }, local, bytes };
    }
    if (localChanged && !remoteChanged) {
      if (local === undefined) return { plan: { action: item.remote ? 'delete' : 'forget' }, local };
      if (item.key === 'labels.json' && (await exists(workspacePath(this.ws, LABELS_REMOTE_COPY)))) return { plan: { action: 'labelsConflictOpen' }, local };
      return { plan: { action: 'push' }, local, bytes: read?.bytes };
    }
    if (!localChanged && remoteChanged) return { plan: { action: 'pull' }, local };
    return { plan: { action: 'merge' }, local };
  }

  async status(): Promise<SyncStatus> {
    const { items, notes } = await this.gather();
    const out: SyncStatus = { toPush: [], toPull: [], toMerge: [], toDelete: [], notesToPull: [], labelsConflictOpen: false, modelMissing: false, errors: this.result.errors };
    for (const item of items) {
      const { plan } = await this.plan(item);
      if (plan.action === 'push') out.toPush.push(item.key);
      else if (plan.action === 'pull') out.toPull.push(item.key);
      else if (plan.action === 'merge') out.toMerge.push(item.key);
      else if (plan.action === 'delete') out.toDelete.push(item.key);
    }
    for (const note of notes) {
      const synced = this.state.get(note.key);
      if (!synced || synced.etag !== note.etag) out.notesToPull.push(note.key);
      else {
        const rel = note.key.slice('notes/'.length);
        if (safeNoteRel(rel) && (await this.state.hashLocal(rel, path.join(this.ws, ...rel.split('/')))) === undefined) out.notesToPull.push(note.key);
      }
    }
    out.labelsConflictOpen = await exists(workspacePath(this.ws, LABELS_REMOTE_COPY));
    try {
      const lock = await readModelLock(this.ws);
      out.modelMissing = lock !== undefined && !(await pinnedModelPresent(this.ws, lock));
    } catch (e) {
      out.errors.push(errorMessage(e));
    }
    return out;
  }

  async sync(): Promise<SyncResult> {
    try {
      const { items, notes } = await this.gather();
      let done = 0;
      const total = items.length;
      this.options.onProgress?.({ phase: 'files', done, total });
      await mapLimit(
        items,
        this.options.concurrency ?? 16,
        async (item) => {
          try {
            await this.syncItem(item);
          } catch (e) {
            this.error(item.key, e);
          }
          this.options.onProgress?.({ phase: 'files', done: ++done, total });
        },
        this.signal,
      );
      if (this.options.pullNotes !== false) {
        let notesDone = 0;
        await mapLimit(
          notes,
          this.options.concurrency ?? 16,
          async (note) => {
            try {
              await this.pullNote(note);
            } catch (e) {
              this.error(note.key, e);
            }
            this.options.onProgress?.({ phase: 'notes', done: ++notesDone, total: notes.length });
          },
          this.signal,
        );
      }
      if (this.options.fetchPinnedModel !== false) await this.fetchPinnedModel();
      return this.result;
    } finally {
      if (this.state) await this.state.save();
    }
  }

  private async syncItem(item: Item): Promise<void> {
    const { plan, local, bytes } = await this.plan(item);
    switch (plan.action) {
      case 'unchanged':
        this.result.unchanged++;
        return;
      case 'adopt':
        await this.record(item.key, item.remote!.etag, bytes!);
        this.result.unchanged++;
        return;
      case 'labelsConflictOpen':
        this.result.conflicts++;
        return;
      case 'forget':
        this.state.set(item.key, undefined);
        await this.state.writeBase(item.key, undefined);
        return;
      case 'push':
      case 'delete':
        try {
          if (plan.action === 'push') await this.push(item, item.remote?.etag, bytes);
          else await this.pushTombstone(item, item.remote!.etag);
          return;
        } catch (e) {
          if (!(e instanceof PreconditionFailedError)) throw e;
          // Someone wrote since our listing: merge with what is there now.
        }
        break;
      case 'pull':
        if (await this.pull(item, local)) return;
        break; // edited here while we were pulling: merge
      case 'merge':
        break;
    }
    await this.reconcile(item);
  }

  /**
   * Checks a file with the parser the store (sidecars) or the label loader (labels.json) reads it with:
   * what they would refuse is neither pushed over teammates' valid files nor taken from the remote.
   * `direction` only words the error.
   */
  private validate(key: string, bytes: Uint8Array, where: string, direction: 'push' | 'pull'): void {
    const text = stripBom(Buffer.from(bytes).toString('utf8')); // as the store reads it
    try {
      if (key === 'labels.json') parseLabelSchema(text, where);
      else if (!isTombstone(safeParse(text))) parseStoredSidecar(text, where);
    } catch (e) {
      throw new Error(`${errorMessage(e)} (${direction === 'push' ? 'not pushed' : 'not taken from the remote'})`);
    }
  }

  /**
   * Pushes the local file (`read`: its content as just read for hashing); `etag` undefined = the object
   * must not exist yet.
   */
  private async push(item: Item, etag: string | undefined, read?: Uint8Array): Promise<void> {
    const bytes = read ?? (await fs.readFile(item.file));
    this.validate(item.key, bytes, item.rel, 'push');
    const newEtag = await this.remote.put(item.key, bytes, etag ? { ifMatch: etag, signal: this.signal } : { ifNoneMatch: true, signal: this.signal });
    await this.record(item.key, newEtag, bytes);
    this.result.pushed++;
    this.result.events.push({ key: item.key, kind: 'pushed' });
  }

  private async pushTombstone(item: Item, etag: string): Promise<void> {
    const body = Buffer.from(JSON.stringify({ deleted: true, deletedAt: new Date().toISOString(), key: item.key }) + '\n');
    const newEtag = await this.remote.put(item.key, body, { ifMatch: etag, signal: this.signal });
    this.state.set(item.key, { etag: newEtag, tombstone: true });
    await this.state.writeBase(item.key, undefined);
    this.result.deleted++;
    this.result.events.push({ key: item.key, kind: 'tombstonePushed' });
  }

  private async record(key: string, etag: string, bytes: Uint8Array): Promise<void> {
    await this.state.writeBase(key, bytes);
    this.state.set(key, { etag, sha256: sha256Hex(bytes) });
  }

  /** Remote changed, local did not. Returns false when the local file changed meanwhile (→ merge). */
  private async pull(item: Item, local: string | undefined): Promise<boolean> {
    const obj = await this.remote.get(item.key, { signal: this.signal });
    if (!obj) {
      // The object vanished (deleted outside Sidelight). Re-create it from ours: nothing is lost.
      if (local === undefined) {
        this.state.set(item.key, undefined);
        await this.state.writeBase(item.key, undefined);
        return true;
      }
      await this.push(item, undefined);
      return true;
    }
    const parsed = safeParse(Buffer.from(obj.body).toString('utf8'));
    if (isTombstone(parsed)) {
      if (local !== undefined) {
        if (!(await this.deleteLocalIfUnchanged(item, local))) return false;
        this.result.deleted++;
        this.result.events.push({ key: item.key, kind: 'deletedLocally' });
      }
      this.state.set(item.key, { etag: obj.etag, tombstone: true });
      await this.state.writeBase(item.key, undefined);
      return true;
    }
    this.validate(item.key, obj.body, `${this.remote.url}/${item.key}`, 'pull');
    if (!(await this.replaceLocalIfUnchanged(item, local, obj.body))) return false;
    await this.record(item.key, obj.etag, obj.body);
    this.result.pulled++;
    this.result.events.push({ key: item.key, kind: 'pulled' });
    return true;
  }

  /** Both sides changed (or a race was detected): read, merge, write conditionally, retry on 412. */
  private async reconcile(item: Item): Promise<void> {
    for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      throwIfAborted(this.signal);
      const obj = await this.remote.get(item.key, { signal: this.signal });
      const localBytes = await readBytesIfExists(item.file);
      const localSha = localBytes ? sha256Hex(localBytes) : undefined;
      try {
        if (!obj) {
          if (localBytes) await this.push(item, undefined);
          else {
            this.state.set(item.key, undefined);
            await this.state.writeBase(item.key, undefined);
          }
          return;
        }
        const remoteParsed = safeParse(Buffer.from(obj.body).toString('utf8'));
        if (isTombstone(remoteParsed)) {
          if (localBytes) {
            // Deleted there, changed here: keep ours and bring it back for everyone.
            await this.push(item, obj.etag);
            this.result.events.push({ key: item.key, kind: 'keptOverTombstone' });
          } else {
            this.state.set(item.key, { etag: obj.etag, tombstone: true });
            await this.state.writeBase(item.key, undefined);
          }
          return;
        }
        this.validate(item.key, obj.body, `${this.remote.url}/${item.key}`, 'pull');
        if (localBytes) this.validate(item.key, localBytes, item.rel, 'push');
        if (!localBytes) {
          // Deleted here, changed there: keep the changed version.
          if (!(await this.replaceLocalIfUnchanged(item, undefined, obj.body))) continue;
          await this.record(item.key, obj.etag, obj.body);
          this.result.pulled++;
          this.result.events.push({ key: item.key, kind: 'pulled' });
          return;
        }
        if (sha256Hex(obj.body) === localSha) {
          await this.record(item.key, obj.etag, obj.body); // the same change on both sides
          this.result.unchanged++;
          return;
        }
        if (item.key === 'labels.json') {
          await this.labelsConflict(item, obj.etag, obj.body);
          return;
        }
        if (await this.mergeSidecar(item, obj.etag, obj.body, localBytes, localSha!)) return;
      } catch (e) {
        if (!(e instanceof PreconditionFailedError)) throw e;
      }
    }
    throw new Error(`changed on the remote ${MAX_RACE_RETRIES} times while syncing; run the sync again`);
  }

  /** Returns false when the local file changed under us (retry). */
  private async mergeSidecar(item: Item, etag: string, remoteBytes: Uint8Array, localBytes: Uint8Array, localSha: string): Promise<boolean> {
    const baseBytes = await this.state.readBase(item.key);
    const local = parseSidecar(Buffer.from(localBytes).toString('utf8'), item.rel);
    const remote = parseSidecar(Buffer.from(remoteBytes).toString('utf8'), `${this.remote.url}/${item.key}`);
    let base;
    try {
      base = baseBytes ? parseSidecar(Buffer.from(baseBytes).toString('utf8'), 'base') : undefined;
    } catch {
      base = undefined; // a damaged cache: merging without a base keeps everything
    }
    const m = mergeSidecars(base, local, remote);
    const events = m.events.map((event): SyncEvent => ({ key: item.key, kind: 'merge', event }));
    if (canonicalJson(m.merged) === canonicalJson(remote)) {
      // The remote already holds everything: take its bytes as they are.
      if (!(await this.replaceLocalIfUnchanged(item, localSha, remoteBytes))) return false;
      await this.record(item.key, etag, remoteBytes);
      this.result.pulled++;
    } else {
      const mergedBytes = Buffer.from(JSON.stringify(m.merged, null, 2) + '\n');
      const newEtag = await this.remote.put(item.key, mergedBytes, { ifMatch: etag, signal: this.signal });
      const wroteLocal = canonicalJson(m.merged) === canonicalJson(local) ? true : await this.replaceLocalIfUnchanged(item, localSha, mergedBytes);
      if (wroteLocal) await this.record(item.key, newEtag, mergedBytes);
      else {
        // Edited here meanwhile (a label saved in the editor): the file is left alone, and recorded as the
        // local version we merged with the remote as it was before our write, so the next sync sees both
        // sides changed and merges the edit with the merged version. (Recording the merged version as
        // the base made the edit look like a deletion of everything the merge had brought in.)
        await this.record(item.key, etag, localBytes);
        this.state.forgetLocal(item.rel);
      }
      this.result.pushed++;
      if (canonicalJson(m.merged) !== canonicalJson(local)) this.result.pulled++;
    }
    this.result.conflicts += m.conflicts;
    this.result.events.push({ key: item.key, kind: 'merged' }, ...events);
    return true;
  }

  /**
   * Both sides changed labels.json: keep ours, put theirs next to it for a person to reconcile. The base
   * becomes theirs, and ours is not pushed while the copy exists; deleting the copy says "resolved" and the
   * next sync pushes labels.json as it then is.
   */
  private async labelsConflict(item: Item, etag: string, remoteBytes: Uint8Array): Promise<void> {
    const copy = workspacePath(this.ws, LABELS_REMOTE_COPY);
    await assertNoSymlinkBelow(this.ws, copy);
    await writeFileAtomic(copy, remoteBytes);
    await this.record(item.key, etag, remoteBytes);
    this.result.conflicts++;
    this.result.events.push({ key: item.key, kind: 'labelsConflict', remoteCopy: LABELS_REMOTE_COPY });
  }

  /**
   * Atomically replaces the local file, unless it no longer has the content we based the decision on
   * (edited in the editor during the sync). `expected` undefined = the file must not exist.
   */
  private async replaceLocalIfUnchanged(item: Item, expected: string | undefined, bytes: Uint8Array): Promise<boolean> {
    await assertNoSymlinkBelow(this.ws, item.file);
    // Locked from the check to the rename: the editor's annotation store saves the same file this way.
    return withFileLock(item.file, async () => {
      const current = await readBytesIfExists(item.file);
      if ((current ? sha256Hex(current) : undefined) !== expected) return false;
      await writeFileAtomic(item.file, bytes);
      this.state.forgetLocal(item.rel);
      return true;
    });
  }

  private async deleteLocalIfUnchanged(item: Item, expected: string): Promise<boolean> {
    await assertNoSymlinkBelow(this.ws, item.file);
    return withFileLock(item.file, async () => {
      const current = await readBytesIfExists(item.file);
      if (!current) return true;
      if (sha256Hex(current) !== expected) return false;
      await fs.rm(item.file, { force: true });
      this.state.forgetLocal(item.rel);
      return true;
    });
  }

  /** `notes/<path>` → `<path>` in the workspace; never overwrites a note that was changed here. */
  private async pullNote(note: RemoteEntry): Promise<void> {
    const rel = note.key.slice('notes/'.length);
    if (!isSafeRemoteKey(note.key) || !safeNoteRel(rel)) {
      this.result.errors.push(`refused remote note ${JSON.stringify(note.key)}: unsafe path`);
      return;
    }
    const notNote = notAdmittedNote(rel, this.options.isNote);
    if (notNote) {
      this.result.errors.push(`refused remote note ${JSON.stringify(note.key)}: ${notNote}`);
      return;
    }
    const file = resolveKeyUnder(this.ws, rel);
    // `data → /elsewhere` in the workspace: a note pulled to `data/x.txt` would land outside it.
    await assertNoSymlinkBelow(this.ws, file);
    const synced = this.state.get(note.key);
    const local = await this.state.hashLocal(rel, file);
    if (synced && synced.etag === note.etag && local === synced.sha256) {
      this.result.unchanged++;
      return;
    }
    // Changed here since the last pull (or never pulled and present): only an identical remote is fine.
    const localIsOurs = local === undefined || (synced !== undefined && local === synced.sha256);
    const obj = await this.remote.get(note.key, { signal: this.signal });
    if (!obj) return;
    const remoteSha = sha256Hex(obj.body);
    if (remoteSha === local) {
      this.state.set(note.key, { etag: obj.etag, sha256: remoteSha });
      this.result.unchanged++;
      return;
    }
    if (!localIsOurs) {
      this.result.events.push({ key: note.key, kind: 'noteDiffers', file: rel });
      return;
    }
    const current = await readBytesIfExists(file);
    if ((current ? sha256Hex(current) : undefined) !== local) return; // edited right now: next time
    await writeFileAtomic(file, obj.body);
    this.state.forgetLocal(rel);
    this.state.set(note.key, { etag: obj.etag, sha256: remoteSha });
    this.result.pulled++;
    this.result.events.push({ key: note.key, kind: 'notePulled' });
  }

  private async fetchPinnedModel(): Promise<void> {
    try {
      const adopted = await adoptTeamPin(this.ws, this.remote, this.state, this.signal);
      if (adopted) this.result.events.push({ key: TEAM_PIN_KEY, kind: 'modelPinned', detail: `${adopted.name}@${adopted.version}` });
    } catch (e) {
      this.error(TEAM_PIN_KEY, e);
    }
    try {
      const lock = await readModelLock(this.ws);
      if (!lock || (await pinnedModelPresent(this.ws, lock))) return;
      this.options.onProgress?.({ phase: 'model', done: 0, total: 1 });
      const r = await pullModel(lock.name, lock.version, this.ws, this.remote, {
        signal: this.signal,
        expectedManifestSha256: lock.manifestSha256,
      });
      this.result.models++;
      this.result.events.push({ key: `models/${lock.name}/${lock.version}`, kind: 'modelPulled', detail: `${r.downloaded.length} files` });
      this.options.onProgress?.({ phase: 'model', done: 1, total: 1 });
    } catch (e) {
      this.error('model', e);
    }
  }
}

// Bidirectional and invisible formatting characters: a name with U+202E shows `txt.exe` as `exe.txt`.
const DECEPTIVE_NAME = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/** Why a remote note's path is not taken as a note, or undefined when it is. */
function notAdmittedNote(rel: string, isNote: ((rel: string) => boolean) | undefined): string | undefined {
  if (DECEPTIVE_NAME.test(rel)) return 'its name holds bidirectional or invisible formatting characters';
  const admitted = isNote ? isNote(rel) : /\.(txt|md)$/i.test(rel);
  return admitted ? undefined : isNote ? 'not a note (the note filter does not admit it)' : 'not a note (only .txt and .md files are pulled)';
}

/** Notes land in the workspace: never in `.sidelight/`, `.git/`, `.vscode/` or any other dot folder. */
function safeNoteRel(rel: string): boolean {
  return rel.length > 0 && isSafeRemoteKey(rel) && !rel.split('/').some((s) => s.startsWith('.'));
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function catchOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Keys below another key of the same set, each with that ancestor: `[deeper key, the file's key]`. */
function folderClashes(keys: Iterable<string>): [string, string][] {
  const all = new Set(keys);
  const out: [string, string][] = [];
  for (const key of all) {
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      if (all.has(key.slice(0, i))) {
        out.push([key, key.slice(0, i)]);
        break;
      }
    }
  }
  return out;
}
