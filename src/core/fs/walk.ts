import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isNotFoundBelow } from './notFound';

export interface WalkResult {
  /** Regular files, as `/` paths relative to the walked folder, sorted. */
  files: string[];
  /** Symbolic links met on the way (not followed), relative and sorted like `files`. */
  links: string[];
}

/**
 * Every file below `dir`, recursively; an absent `dir` has none. Links are reported, never followed:
 * Sidelight does not read or write through a link below a folder it owns (see symlinks.ts), and the
 * caller decides whether to say so. Sub-folders are read in parallel.
 */
export async function walkFiles(dir: string): Promise<WalkResult> {
  const out: WalkResult = { files: [], links: [] };
  const walk = async (sub: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(dir, ...sub.split('/')), { withFileTypes: true });
    } catch (e) {
      if (isNotFoundBelow(e)) return;
      throw e;
    }
    await Promise.all(
      entries.map(async (entry) => {
        const rel = sub ? `${sub}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(rel);
        else if (entry.isFile()) out.files.push(rel);
        else if (entry.isSymbolicLink()) out.links.push(rel);
      }),
    );
  };
  await walk('');
  out.files.sort();
  out.links.sort();
  return out;
}
