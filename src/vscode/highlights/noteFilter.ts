import * as vscode from 'vscode';
import type { ConfigurationService } from '../configuration';

/** Notes larger than this are skipped (with a status message) so the editor never stalls on a dump file. */
export const MAX_NOTE_CHARS = 2_000_000;

/**
 * Which documents are notes: files inside a workspace folder that match `sidelight.include` and none of
 * `sidelight.exclude` (globs relative to the folder), matched with VS Code's own glob engine.
 */
export function isNote(doc: vscode.TextDocument, config: ConfigurationService): boolean {
  if (doc.uri.scheme !== 'file') return false;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  if (!folder) return false;
  const c = config.for(folder);
  const matches = (globs: string[]) => globs.some((g) => vscode.languages.match({ pattern: new vscode.RelativePattern(folder, g) }, doc) > 0);
  return matches(c.include) && !matches(c.exclude);
}

/** Why a note is not predicted, or undefined when it can be. */
export function skipReason(doc: vscode.TextDocument): string | undefined {
  const length = doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);
  if (length > MAX_NOTE_CHARS) return vscode.l10n.t('too large to predict ({0} characters; limit {1})', length.toLocaleString(), MAX_NOTE_CHARS.toLocaleString());
  if (doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 50), 0)).includes('\u0000')) return vscode.l10n.t('not a text file');
  return undefined;
}
