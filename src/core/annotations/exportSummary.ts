import { englishL10n, type L10n } from '../l10n';
import type { WorkspaceExport } from './importExport';

/**
 * What an export left out, in words, for the editor's notification (the CLI prints the same counts):
 * notes not reviewed yet or still in progress, unreviewed suggestions, rejected spans (negative
 * examples), orphans (no place in the note), relations not written.
 */
export function describeLeftOut(result: Pick<WorkspaceExport, 'skipped' | 'notesLeftOut'>, l10n: L10n = englishL10n): string {
  const parts: string[] = [];
  const { unreviewed, inProgress } = result.notesLeftOut;
  if (unreviewed) parts.push(unreviewed === 1 ? l10n.t('{0} note not reviewed yet (not marked done, no accepted label)', unreviewed) : l10n.t('{0} notes not reviewed yet (not marked done, no accepted label)', unreviewed));
  if (inProgress) parts.push(inProgress === 1 ? l10n.t('{0} note in progress (not marked done)', inProgress) : l10n.t('{0} notes in progress (not marked done)', inProgress));
  const { suggested, rejected, orphan } = result.skipped;
  if (suggested) parts.push(suggested === 1 ? l10n.t('{0} unreviewed suggestion', suggested) : l10n.t('{0} unreviewed suggestions', suggested));
  if (rejected) parts.push(rejected === 1 ? l10n.t('{0} rejected span', rejected) : l10n.t('{0} rejected spans', rejected));
  if (orphan) parts.push(orphan === 1 ? l10n.t('{0} orphan', orphan) : l10n.t('{0} orphans', orphan));
  const relations = result.skipped.relations;
  if (relations) {
    parts.push(
      relations === 1
        ? l10n.t('{0} relation (rejected, not reviewed, or joining a span left out)', relations)
        : l10n.t('{0} relations (rejected, not reviewed, or joining a span left out)', relations),
    );
  }
  return parts.length ? parts.join(', ') : l10n.t('nothing');
}
