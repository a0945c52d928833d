import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isNotFound } from './notFound';

/** A lock older than this is taken to be left by a process that died while holding it. */
export const STALE_LOCK_MS = 10_000;

export interface FileLockOptions {
  /** The lock file (default: `lockPathFor(file)`). */
  lockPath?: string;
  /** Age after which a lock is broken (default STALE_LOCK_MS). */
  staleMs?: number;
  /** Give up with an error naming the lock after waiting this long (default: wait until released or stale). */
  waitMs?: number;
}

/** The lock file of `file`: beside it, hidden, never a `.json` (so neither synced nor read as a sidecar). */
export function lockPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.lock`);
}

/**
 * Runs `fn` while holding `file`'s lock, for a check-then-replace of the file ("write ours unless someone
 * wrote since we read"): the editor's annotation store and a `sidelight sync` in a terminal both do that on
 * the same sidecar, and without a lock one could replace the file between the other's check and its
 * rename, dropping the other's labels. The lock is a file created with O_EXCL (atomic on local file systems
 * and NFSv3+); a lock left by a crashed process is broken once it is STALE_LOCK_MS old (two waiters that
 * break the same stale lock at once can both enter: only after a crash, and only for one section).
 * Written by hand: `proper-lockfile` does the same with mkdir plus an mtime-refresh timer, more than
 * these millisecond-long sections need.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lock = options.lockPath ?? lockPathFor(file);
  const staleMs = options.staleMs ?? STALE_LOCK_MS;
  const deadline = options.waitMs === undefined ? Infinity : Date.now() + options.waitMs;
  for (;;) {
    try {
      await (await fs.open(lock, 'wx')).close();
      break;
    } catch (e) {
      if (isNotFound(e)) {
        // The file's folder does not exist yet (a first label, a first pull): made here, as the write would.
        await fs.mkdir(path.dirname(file), { recursive: true });
        continue;
      }
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await fs.stat(lock).catch(() => undefined);
    if (!held) continue; // released meanwhile
    if (Date.now() - held.mtimeMs > staleMs) {
      await fs.rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock}: locked by another writer for more than ${Math.round(options.waitMs! / 1000)} s`);
    // Jittered, so that waiters do not retry in step.
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
