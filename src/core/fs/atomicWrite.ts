import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that a reader, or a crash, sees either the old content or the new one, never a mix:
 * write a temporary file in the same folder, flush it, then rename over the target (atomic on POSIX and
 * on NTFS for same-volume renames). Written by hand because it is ten lines and `write-file-atomic`
 * would add a dependency for the same steps.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
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
