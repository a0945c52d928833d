import { promises as fs } from 'node:fs';

/** Whether a path exists (any error reading it counts as "no": callers treat that as absent). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Whether a path is a folder (following links: a folder the user named may be one). */
export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Deletes `file` when it was last modified more than `maxAgeMs` ago: a temporary file that old was left
 * by a process killed mid-write. Errors are ignored (gone already, or not ours: the next pass retries).
 */
export async function removeIfOlderThan(file: string, maxAgeMs: number): Promise<void> {
  try {
    if (Date.now() - (await fs.lstat(file)).mtimeMs > maxAgeMs) await fs.rm(file, { force: true });
  } catch {
    // see above
  }
}
