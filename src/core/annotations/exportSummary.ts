import type { WorkspaceExport } from './importExport';

/**
 * What an export left out, in words, for the editor's notification (the CLI prints the same counts):
 * notes not reviewed yet or still in progress, unreviewed suggestions, rejected spans (negative
 * examples), orphans (no place in the note), relations not written.
 */
export function describeLeftOut(result: Pick<WorkspaceExport, 'skipped' | 'notesLeftOut'>): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  const parts: string[] = [];
  const { unreviewed, inProgress } = result.notesLeftOut;
  if (unreviewed) parts.push(`${n(unreviewed, 'note')} not reviewed yet (not marked done, no accepted label)`);
  if (inProgress) parts.push(`${n(inProgress, 'note')} in progress (not marked done)`);
  const { suggested, rejected, orphan } = result.skipped;
  if (suggested) parts.push(n(suggested, 'unreviewed suggestion'));
  if (rejected) parts.push(n(rejected, 'rejected span'));
  if (orphan) parts.push(n(orphan, 'orphan'));
  if (result.skipped.relations) parts.push(`${n(result.skipped.relations, 'relation')} (rejected, not reviewed, or joining a span left out)`);
  return parts.length ? parts.join(', ') : 'nothing';
}
