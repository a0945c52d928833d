import { promises as fs } from 'node:fs';
import { InputError } from '../core/errors';
import { unreadableFileError } from '../core/fs/notFound';
import { stripBom } from '../core/fs/text';

/**
 * A text note given on the command line, without its byte order mark (as the editor and import count
 * offsets). A folder or an unreadable file is an error naming it as `shownAs` (default: the path).
 */
export async function readNoteFile(file: string, shownAs = file): Promise<string> {
  try {
    return stripBom(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'EISDIR' ? new InputError(shownAs, 'is a folder, not a text file') : unreadableFileError(shownAs, e);
  }
}
