import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The suffix of writeFileAtomic's temporary files. */
const ATOMIC_TEMP_SUFFIX = 'tmp';

/**
 * The one temporary-name pattern of Sidelight's writes: `.<name>.<12 hex digits>.<suffix>` beside the
 * target (same folder, so the final rename stays on one volume; hidden, so nothing lists it as content).
 * Readers skip such names with `isTempName`; a sync deletes old ones left by a killed process.
 */
export function tempPathFor(file: string, suffix = ATOMIC_TEMP_SUFFIX): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/** Whether a file's base name is one that `tempPathFor(…, suffix)` makes. */
export function isTempName(baseName: string, suffix = ATOMIC_TEMP_SUFFIX): boolean {
  if (!baseName.startsWith('.') || !baseName.endsWith(`.${suffix}`)) return false;
  return /^\..+\.[0-9a-f]{12}$/.test(baseName.slice(0, -(suffix.length + 1)));
}

/**
 * Writes a file so that a reader, or a crash, sees either the old content or the new one, never a mix:
 * write a temporary file in the same folder, flush it, then rename over the target (atomic on POSIX and
 * on NTFS for same-volume renames). Written by hand because it is ten lines and `write-file-atomic`
 * would add a dependency for the same steps.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    // fsync makes the new content survive a power cut before the rename.
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
