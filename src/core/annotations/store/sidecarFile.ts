import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import { readBytesIfExists } from '../../fs/notFound';
import { sha256Hex } from '../../fs/sha256';
import { assertNoSymlinkBelow } from '../../fs/symlinks';
import { stripBom } from '../../fs/text';
import { type Sidecar, parseSidecar, sidecarPathFor } from '../sidecar';

/** A sidecar file's text and the sha256 of its bytes, as the store compares them with what it last saw. */
export interface DiskSidecar {
  raw: string;
  sha: string;
}

/** The file's text and sha; undefined when it does not exist. */
export async function readFileWithSha(file: string): Promise<DiskSidecar | undefined> {
  const bytes = await readBytesIfExists(file);
  return bytes && { raw: bytes.toString('utf8'), sha: sha256Hex(bytes) };
}

/** Parses a sidecar file's text (a UTF-8 byte order mark is skipped) as the note `key`'s. */
export function parseSidecarFile(raw: string, file: string, key: string): Sidecar {
  return { ...parseSidecar(stripBom(raw), file), note: key };
}

/**
 * Reads the note's sidecar for a first load: undefined `disk` when there is none. Every failure is an
 * InputError naming the file, a link out of the workspace included (never read through).
 */
export async function readSidecarOfNote(workspaceDir: string, key: string): Promise<{ sidecar?: Sidecar; disk?: DiskSidecar }> {
  const file = sidecarPathFor(workspaceDir, key);
  try {
    await assertNoSymlinkBelow(workspaceDir, file);
    const disk = await readFileWithSha(file);
    return disk ? { sidecar: parseSidecarFile(disk.raw, file, key), disk } : {};
  } catch (e) {
    throw e instanceof InputError ? e : new InputError(file, `cannot read: ${(e as Error).message}`);
  }
}

/** Removes now-empty folders between `dir` and `root` (exclusive), so moves leave no empty trees. */
export async function removeEmptyParents(dir: string, root: string): Promise<void> {
  let current = dir;
  while (current.startsWith(root + path.sep)) {
    try {
      await fs.rmdir(current);
    } catch {
      return; // not empty (or gone): stop
    }
    current = path.dirname(current);
  }
}
