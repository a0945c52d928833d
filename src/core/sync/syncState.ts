import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';
import { sha256File, sha256Hex } from './hash';
import { resolveKeyUnder } from './remoteKey';

/**
 * What the last sync left behind, in `.sidelight/sync/` (a cache: ignored by git, safe to delete — the
 * next sync then merges without a base, which keeps everything but cannot tell deletions from additions):
 * - `state.json`: per remote key, the ETag and the sha256 of the content both sides had after the last
 *   sync (a tombstone entry has no sha256), plus a size/mtime cache of local hashes so an unchanged file
 *   is not read again;
 * - `base/<key>`: that content itself, the merge base of the next three-way merge.
 */

export const SYNC_DIR = path.join('.sidelight', 'sync');

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
}

export class SyncState {
  /** Saved only when something changed: a no-change sync writes nothing. */
  private dirty = false;

  private constructor(
    private readonly workspaceDir: string,
    private data: StateFile,
  ) {}

  static file(workspaceDir: string): string {
    return path.join(workspaceDir, SYNC_DIR, 'state.json');
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
    let st;
    try {
      st = await fs.stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (!st.isFile()) return undefined;
    const hit = this.data.localHashes[relPath];
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
    const { sha256 } = await sha256File(file);
    // A file modified again within the same mtime tick after this read would keep the old hash: only
    // cache hashes of files whose mtime is safely in the past.
    if (Date.now() - st.mtimeMs > 2000) this.data.localHashes[relPath] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    else delete this.data.localHashes[relPath];
    this.dirty = true;
    return sha256;
  }

  forgetLocal(relPath: string): void {
    if (relPath in this.data.localHashes) {
      delete this.data.localHashes[relPath];
      this.dirty = true;
    }
  }

  basePath(key: string): string {
    return resolveKeyUnder(path.join(this.workspaceDir, SYNC_DIR, 'base'), key);
  }

  /** The merge base for `key`, only if it is the content the state entry describes. */
  async readBase(key: string): Promise<Uint8Array | undefined> {
    const entry = this.get(key);
    if (!entry?.sha256) return undefined;
    try {
      const bytes = await fs.readFile(this.basePath(key));
      return sha256Hex(bytes) === entry.sha256 ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  async writeBase(key: string, bytes: Uint8Array | undefined): Promise<void> {
    if (bytes === undefined) await fs.rm(this.basePath(key), { force: true });
    // Not fsync'd: readBase verifies a base against the state's sha256, and a lost base only means a
    // merge without one (every span kept), so a disk flush per synced file buys nothing.
    else await writeFileAtomic(this.basePath(key), bytes, { durable: false });
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(SyncState.file(this.workspaceDir), JSON.stringify(this.data) + '\n');
    this.dirty = false;
  }
}
