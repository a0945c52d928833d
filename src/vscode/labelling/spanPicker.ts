import * as vscode from 'vscode';
import { inConflict } from '../../core/annotations/conflictVersions';
import { AnnotationSpan, quoteDisplay, spanEnd, spanStart } from '../../core/annotations/sidecar';

interface SpanItem extends vscode.QuickPickItem {
  span: AnnotationSpan;
}

/** The copy a sync made of the other side's version of a conflicting span (src/core/sync/merge.ts). */
export function isRemoteVersion(span: AnnotationSpan): boolean {
  return span.id.includes('~remote-');
}

/** One line naming a span for a person: label, text, status, and which version of a conflict it is. */
export function describeSpan(span: AnnotationSpan): { label: string; description: string } {
  const words = quoteDisplay(span.quote);
  const text = words.length > 60 ? `${words.slice(0, 57)}…` : words;
  const version = inConflict(span) ? [isRemoteVersion(span) ? vscode.l10n.t('sync conflict: the remote version') : vscode.l10n.t('sync conflict: the local version')] : [];
  return {
    label: `${span.label} "${text}"`,
    description: [span.status, ...version, ...span.flags.filter((f) => f !== 'conflict'), span.author && vscode.l10n.t('by {0}', span.author)].filter(Boolean).join(' · '),
  };
}

/** Innermost first, orphans (no place) last; of the versions of a conflict at one place, the local one first. */
function pickOrder(a: AnnotationSpan, b: AnnotationSpan): number {
  const orphan = (s: AnnotationSpan) => Number(s.flags.includes('orphan'));
  return (
    orphan(a) - orphan(b) ||
    spanEnd(a) - spanStart(a) - (spanEnd(b) - spanStart(b)) ||
    Number(isRemoteVersion(a)) - Number(isRemoteVersion(b)) ||
    spanStart(a) - spanStart(b) ||
    (a.id < b.id ? -1 : 1)
  );
}

/**
 * Asks which of several labels a command means (overlapping labels, or the versions of a sync conflict,
 * under one cursor): acting on all of them would change labels nobody pointed at. One label needs no
 * question. Undefined when the user dismisses the pick.
 */
export async function pickSpan(spans: readonly AnnotationSpan[], title: string): Promise<AnnotationSpan | undefined> {
  if (spans.length <= 1) return spans[0];
  const items: SpanItem[] = [...spans].sort(pickOrder).map((span) => ({ ...describeSpan(span), span }));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Several labels are here: which one?') }))?.span;
}
