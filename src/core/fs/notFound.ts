import { promises as fs } from 'node:fs';
import { InputError } from '../errors';

/** Whether an fs error says the path does not exist (ENOENT): every "absent is fine" check goes through here. */
export function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * ENOENT, or ENOTDIR: a file stands where the path needs a folder, so nothing below it exists either.
 * For walks and lookups of paths that may cross a file (a refused key's path), not for plain reads,
 * where a file in the way is a problem to report.
 */
export function isNotFoundBelow(e: unknown): boolean {
  return isNotFound(e) || (e as NodeJS.ErrnoException | undefined)?.code === 'ENOTDIR';
}

/** The file's bytes; undefined when it does not exist. Other errors (permissions, a folder) propagate. */
export async function readBytesIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The file as UTF-8 text; undefined when it does not exist. Other errors propagate. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  return (await readBytesIfExists(file))?.toString('utf8');
}

/** The InputError of a file that had to be read and could not be: "not found", or the system's reason. */
export function unreadableFileError(file: string, e: unknown): InputError {
  return new InputError(file, isNotFound(e) ? 'not found' : `cannot be read (${(e as Error).message})`);
}
