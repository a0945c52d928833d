import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isNotFoundBelow } from './notFound';

/**
 * Sidelight never follows a symbolic link below a folder it owns (the workspace, a folder remote's
 * root): a link there (`data → /elsewhere`, a linked `.sidelight/annotations`) would let a remote key
 * or a sidecar write, or read, a file outside that folder. The folder itself may be a link: the user
 * chose it.
 */
export class SymlinkRefusedError extends Error {
  constructor(
    /** The link, relative to the root ('/'-separated). */
    readonly link: string,
  ) {
    super(`${link} is a symbolic link: Sidelight does not follow links out of the workspace or the remote folder (skipped)`);
    this.name = 'SymlinkRefusedError';
  }
}

/**
 * The first path from `root` (exclusive) down to `target` (inclusive) that is a symbolic link, relative
 * to `root`; undefined when there is none. A component that does not exist ends the walk: nothing below
 * it exists either. `target` must lie below `root`.
 */
export async function symlinkBelow(root: string, target: string): Promise<string | undefined> {
  const rel = path.relative(root, target);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  let current = root;
  for (const part of rel.split(path.sep)) {
    current = path.join(current, part);
    let st;
    try {
      st = await fs.lstat(current);
    } catch (e) {
      if (isNotFoundBelow(e)) return undefined;
      throw e;
    }
    if (st.isSymbolicLink()) return path.relative(root, current).split(path.sep).join('/');
  }
  return undefined;
}

/** Throws SymlinkRefusedError when a link lies between `root` and `target` (see symlinkBelow). */
export async function assertNoSymlinkBelow(root: string, target: string): Promise<void> {
  const link = await symlinkBelow(root, target);
  if (link !== undefined) throw new SymlinkRefusedError(link);
}
