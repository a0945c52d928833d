import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../fs/atomicWrite';
import { isNotFound, isNotFoundBelow } from '../fs/notFound';
import { SYNC_BASES_DIR, SYNC_LEGACY_BASE_DIR, SYNC_STATE_FILE, workspacePath } from '../workspaceLayout';
import { sha256Hex } from '../fs/sha256';
import { BasePacks, type BaseRef } from './basePacks';
import { resolveKeyUnder } from './remoteKey';

/**
 * What the last sync left behind, in `.sidelight/sync/` (a cache: ignored by git, safe to delete — the
 * next sync then merges without a base, which keeps everything but cannot tell deletions from additions):
 * - `state.json`: per remote key, the ETag and the sha256 of the content both sides had after the last
 *   sync (a tombstone entry has no sha256), plus a size/mtime cache of local hashes so an unchanged file
 *   is not read again;
 * - `bases/*.pack`: that content itself, the merge base of the next three-way merge, as slices of a few
 *   pack files (`basePacks.ts`; `state.json`'s `bases` says where each key's is). Workspaces synced by
 *   an earlier version have one file per key in `base/<key>`: still read, and removed once no key needs it.
 */

export interface SyncedEntry {
  etag: string;
  /** sha256 of the content (local = remote = base) after the last sync; absent for a tombstone. */
  sha256?: string;
  tombstone?: true;
}

interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface StateFile {
  version: 1;
  remote: string;
  entries: Record<string, SyncedEntry>;
  localHashes: Record<string, HashCacheEntry>;
  bases?: Record<string, BaseRef>;
}

export class SyncState {
  /** Saved only when something changed: a no-change sync writes nothing. */
  private dirty = false;
  private readonly packs: BasePacks;

  private constructor(
    private readonly workspaceDir: string,
    private data: StateFile,
  ) {
    data.bases ??= {};
    this.packs = new BasePacks(workspacePath(workspaceDir, SYNC_BASES_DIR), data.bases);
  }

  static file(workspaceDir: string): string {
    return workspacePath(workspaceDir, SYNC_STATE_FILE);
  }

  /**
   * Loads the state for `remoteUrl`. State recorded against another remote says nothing about this one,
   * so it starts empty (bases are then not used).
   */
  static async load(workspaceDir: string, remoteUrl: string): Promise<SyncState> {
    let data: StateFile | undefined;
    try {
      const raw = JSON.parse(await fs.readFile(SyncState.file(workspaceDir), 'utf8')) as StateFile;
      if (raw && raw.version === 1 && raw.remote === remoteUrl && typeof raw.entries === 'object') data = raw;
    } catch {
      // missing or unreadable: a cache, start over
    }
    data ??= { version: 1, remote: remoteUrl, entries: {}, localHashes: {} };
    data.localHashes ??= {};
    data.bases = validBaseRefs(data.bases);
    return new SyncState(workspaceDir, data);
  }

  get(key: string): SyncedEntry | undefined {
    return Object.prototype.hasOwnProperty.call(this.data.entries, key) ? this.data.entries[key] : undefined;
  }

  keys(): string[] {
    return Object.keys(this.data.entries);
  }

  set(key: string, entry: SyncedEntry | undefined): void {
    if (entry) this.data.entries[key] = entry;
    else if (key in this.data.entries) delete this.data.entries[key];
    else return;
    this.dirty = true;
  }

  /** The sha256 of a local file, from the size/mtime cache when the file has not changed. */
  async hashLocal(relPath: string, file: string): Promise<string | undefined> {
    return (await this.readLocal(relPath, file))?.sha256;
  }

  /**
   * The sha256 of a local file (undefined when it does not exist), and its bytes when they had to be read
   * for it: the caller pushes those bytes rather than reading the file a second time. Only for the small
   * files a sync moves (sidecars, labels, notes): they are read whole.
   */
  async readLocal(relPath: string, file: string): Promise<{ sha256: string; bytes?: Uint8Array } | undefined> {
    let st;
    try {
      // lstat: a symbolic link is not a file Sidelight reads (sync refuses to follow it).
      st = await fs.lstat(file);
    } catch (e) {
      // ENOTDIR: a file stands where the path needs a folder (a refused key's path): nothing here.
      if (isNotFoundBelow(e)) return undefined;
      throw e;
    }
    if (!st.isFile()) return undefined;
    const hit = this.data.localHashes[relPath];
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return { sha256: hit.sha256 };
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      if (isNotFound(e)) return undefined; // deleted since the stat
      throw e;
    }
    const sha256 = sha256Hex(bytes);
    // A file modified again within the same mtime tick after this read would keep the old hash: only
    // cache hashes of files whose mtime is safely in the past (and whose size is the one we read).
    if (Date.now() - st.mtimeMs > 2000 && bytes.length === st.size) this.data.localHashes[relPath] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    else delete this.data.localHashes[relPath];
    this.dirty = true;
    return { sha256, bytes };
  }

  forgetLocal(relPath: string): void {
    if (relPath in this.data.localHashes) {
      delete this.data.localHashes[relPath];
      this.dirty = true;
    }
  }

  /** Where an earlier version kept the base of `key` (one file per key). */
  private legacyBasePath(key: string): string {
    return resolveKeyUnder(workspacePath(this.workspaceDir, SYNC_LEGACY_BASE_DIR), key);
  }

  /** The merge base for `key`, only if it is the content the state entry describes. */
  async readBase(key: string): Promise<Uint8Array | undefined> {
    const entry = this.get(key);
    if (!entry?.sha256) return undefined;
    try {
      const bytes = this.packs.has(key) ? await this.packs.get(key) : await fs.readFile(this.legacyBasePath(key));
      return bytes && sha256Hex(bytes) === entry.sha256 ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sets (or with `undefined` drops) the base of `key`; it is written with the state by `save`. */
  async writeBase(key: string, bytes: Uint8Array | undefined): Promise<void> {
    await this.packs.set(key, bytes);
    this.dirty = true;
  }

  /**
   * Writes the pending bases into a pack, then `state.json` (atomically, naming that pack), then deletes
   * packs nothing refers to. A crash in between leaves an unreferenced pack, collected by a later save.
   */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await this.packs.compact();
    await this.packs.flush();
    await writeFileAtomic(SyncState.file(this.workspaceDir), JSON.stringify(this.data) + '\n');
    this.dirty = false;
    await this.packs.collect();
    await this.dropLegacyBases();
  }

  /** Removes the per-key base folder of earlier versions once every base is in a pack. */
  private async dropLegacyBases(): Promise<void> {
    const legacy = workspacePath(this.workspaceDir, SYNC_LEGACY_BASE_DIR);
    if (Object.entries(this.data.entries).some(([key, e]) => e.sha256 && !this.packs.has(key))) return;
    await fs.rm(legacy, { recursive: true, force: true });
  }
}

/** Keeps only well-formed refs: a damaged entry means "no base", never a failed sync. */
function validBaseRefs(raw: unknown): Record<string, BaseRef> {
  const out: Record<string, BaseRef> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [key, ref] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(ref) && ref.length === 3 && typeof ref[0] === 'string' && Number.isSafeInteger(ref[1]) && Number.isSafeInteger(ref[2])) {
      out[key] = ref as BaseRef;
    }
  }
  return out;
}
