import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTempName, tempPathFor } from '../fs/atomicWrite';
import { withFileLock } from '../fs/fileLock';
import { isNotFoundBelow } from '../fs/notFound';
import { sha256File, sha256Hex } from '../fs/sha256';
import { ContentMismatchError } from './hash';
import {
  PreconditionFailedError,
  throwIfAborted,
  type ETag,
  type PutFileOptions,
  type PutOptions,
  type Remote,
  type RemoteEntry,
  type RemoteHead,
  type RemoteObject,
  type TransferOptions,
} from './remote';
import { removeIfOlderThan } from '../fs/exists';
import { assertNoSymlinkBelow } from '../fs/symlinks';
import { resolveKeyUnder } from './remoteKey';

const LOCK_SUFFIX = '.sidelight-lock';
// Its temporary objects carry their own suffix: a synced `.x.0123456789ab.tmp` is a user's object here.
const TMP_SUFFIX = 'sidelight-tmp';
/** A lock older than this was left by a crashed writer: a real write holds it for milliseconds. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;
/**
 * A temporary file older than this was left by a writer killed mid-write, and a listing deletes it. An
 * hour, not minutes: a model file copied to a slow network share can take a while.
 */
const STALE_TMP_MS = 60 * 60_000;

/**
 * A remote that is a folder (local disk or a network share): the embedded default and the demo's remote.
 * ETags are the sha256 of the content, so they are stable across processes and machines. Conditional
 * writes take a per-object lock file created with O_EXCL (works on local disks and NFS v3+/SMB), compare
 * the current content's hash, then write a temporary file and rename it over the object: a reader sees the
 * old or the new object, never a mix.
 */
export class FileRemote implements Remote {
  readonly url: string;
  private readonly root: string;
  /** Hashes by path, valid while size, mtime and inode are unchanged: listing does not re-read files. */
  private readonly hashCache = new Map<string, { size: number; mtimeMs: number; ino: number; sha256: string }>();

  constructor(rootOrUrl: string) {
    this.root = rootOrUrl.startsWith('file:') ? fileURLToPath(rootOrUrl) : path.resolve(rootOrUrl);
    this.url = pathToFileURL(this.root).href;
  }

  /**
   * The object's file. A symbolic link below the root (an `annotations → /elsewhere` folder, a linked
   * object) is refused: reads and writes stay inside the remote's folder.
   */
  private async pathOf(key: string): Promise<string> {
    const file = resolveKeyUnder(this.root, key);
    const base = path.basename(file);
    if (base.endsWith(LOCK_SUFFIX) || isTempName(base, TMP_SUFFIX)) throw new Error(`${key}: reserved name on a file remote`);
    await assertNoSymlinkBelow(this.root, file);
    return file;
  }

  async get(key: string): Promise<RemoteObject | undefined> {
    const file = await this.pathOf(key);
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), etag: sha256Hex(body) };
  }

  async head(key: string): Promise<RemoteHead | undefined> {
    const file = await this.pathOf(key);
    const sha = await this.cachedHash(file);
    if (!sha) return undefined;
    return { etag: sha.sha256, size: sha.size, sha256: sha.sha256 };
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<ETag> {
    throwIfAborted(options.signal);
    const file = await this.pathOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = tempPathFor(file, TMP_SUFFIX);
    await fs.writeFile(tmp, body);
    return this.commit(key, file, tmp, options, sha256Hex(body));
  }

  async putFile(key: string, localPath: string, options: PutFileOptions = {}): Promise<ETag> {
    throwIfAborted(options.signal);
    const file = await this.pathOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = tempPathFor(file, TMP_SUFFIX);
    const total = (await fs.stat(localPath)).size;
    try {
      const { sha256 } = await copyWithProgress(localPath, tmp, total, options);
      if (options.sha256 !== undefined && sha256 !== options.sha256) throw new ContentMismatchError(localPath, sha256);
      return await this.commit(key, file, tmp, {}, sha256);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async getToFile(key: string, localPath: string, options: TransferOptions = {}): Promise<RemoteHead | undefined> {
    const file = await this.pathOf(key);
    let total: number;
    try {
      total = (await fs.stat(file)).size;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    await fs.mkdir(path.dirname(localPath), { recursive: true });
    const { sha256, size } = await copyWithProgress(file, localPath, total, options);
    return { etag: sha256, size, sha256 };
  }

  async list(prefix: string): Promise<RemoteEntry[]> {
    // Walk only the folder the prefix names (its part up to the last '/'), then filter by the rest.
    const dirKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirKey ? resolveKeyUnder(this.root, dirKey) : this.root;
    // Links inside are not followed (readdir's entries); the folder itself must not be one either.
    await assertNoSymlinkBelow(this.root, start);
    const out: RemoteEntry[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.isFile() && isTempName(entry.name, TMP_SUFFIX)) {
          await removeIfOlderThan(full, STALE_TMP_MS);
        } else if (entry.isFile() && !entry.name.endsWith(LOCK_SUFFIX) && !isTempName(entry.name, TMP_SUFFIX)) {
          const key = path.relative(this.root, full).split(path.sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const sha = await this.cachedHash(full);
          if (sha) out.push({ key, etag: sha.sha256, size: sha.size });
        }
      }
    };
    await walk(start);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  close(): void {
    this.hashCache.clear();
  }

  /** Under the object's lock: check the conditions against the current content, then rename tmp over it. */
  private async commit(key: string, file: string, tmp: string, options: PutOptions, sha256: string): Promise<ETag> {
    try {
      return await withFileLock(
        file,
        async () => {
          if (options.ifMatch !== undefined || options.ifNoneMatch) {
            // Hash the current content directly: the cache could be stale for a write made by another process
            // within the same mtime tick.
            let current: string | undefined;
            try {
              current = (await sha256File(file)).sha256;
            } catch (e) {
              if (!isMissing(e)) throw e;
            }
            const ok = options.ifNoneMatch ? current === undefined : current === options.ifMatch;
            if (!ok) throw new PreconditionFailedError(key);
          }
          await fs.rename(tmp, file);
          this.hashCache.delete(file);
          return sha256;
        },
        { lockPath: file + LOCK_SUFFIX, staleMs: STALE_LOCK_MS, waitMs: LOCK_WAIT_MS },
      );
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  private async cachedHash(file: string): Promise<{ sha256: string; size: number } | undefined> {
    let st;
    try {
      st = await fs.stat(file);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (!st.isFile()) return undefined;
    const hit = this.hashCache.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) return hit;
    const { sha256, size } = await sha256File(file);
    this.hashCache.set(file, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256 });
    return { sha256, size };
  }
}

/** Copies a file while hashing it and reporting progress; removes the partial target on failure. */
async function copyWithProgress(
  from: string,
  to: string,
  total: number,
  options: TransferOptions,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let loaded = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      loaded += chunk.length;
      options.onProgress?.(loaded, total);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(from), meter, createWriteStream(to), { signal: options.signal });
  } catch (e) {
    await fs.rm(to, { force: true });
    throw e;
  }
  return { sha256: hash.digest('hex'), size: loaded };
}

/** No object at the path: nothing there, a file where a folder should be, or a folder (a key's prefix). */
function isMissing(e: unknown): boolean {
  return isNotFoundBelow(e) || (e as NodeJS.ErrnoException).code === 'EISDIR';
}

