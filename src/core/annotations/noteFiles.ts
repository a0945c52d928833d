import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assertNoSymlinkBelow } from '../fs/symlinks';
import { stripBom } from '../fs/text';
import { normalizeNotePath } from './sidecar';

/**
 * Reading notes the way the editor sees them. VS Code drops a UTF-8 byte order mark from a document's
 * text, so offsets count from after it; reading without stripping it would shift every span by one.
 */
export async function readNoteText(workspaceDir: string, noteRelPath: string): Promise<string> {
  const file = notePath(workspaceDir, noteRelPath);
  // A note (or folder) linked out of the workspace would export or import another file's text.
  await assertNoSymlinkBelow(workspaceDir, file);
  return stripBom(await fs.readFile(file, 'utf8'));
}

export function notePath(workspaceDir: string, noteRelPath: string): string {
  return path.join(workspaceDir, ...normalizeNotePath(noteRelPath).split('/'));
}

/** Workspace-relative `/` path of an absolute file, or undefined when it lies outside the workspace. */
export function relativeToWorkspace(workspaceDir: string, file: string): string | undefined {
  const rel = path.relative(path.resolve(workspaceDir), path.resolve(file));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}
