import { englishL10n, type L10n } from '../l10n';
import type { SyncCounts, SyncEvent, SyncStatus } from './syncEngine';

/**
 * What a sync did or would do, in the few forms the CLI and the extension show: the fixed JSON summary
 * (`sidelight sync --json`, the API), a one-line human summary ("↑3 ↓2, 1 conflict"), the pending counts
 * of the status bar, and which notes' labels changed on disk (so the editor reloads them).
 */

export type { SyncCounts };

export function syncCounts(r: SyncCounts): SyncCounts {
  return { pushed: r.pushed, pulled: r.pulled, conflicts: r.conflicts, deleted: r.deleted, unchanged: r.unchanged, models: r.models };
}

/** Adds up the results of several workspace folders. */
export function addCounts(a: SyncCounts, b: SyncCounts): SyncCounts {
  return {
    pushed: a.pushed + b.pushed,
    pulled: a.pulled + b.pulled,
    conflicts: a.conflicts + b.conflicts,
    deleted: a.deleted + b.deleted,
    unchanged: a.unchanged + b.unchanged,
    models: a.models + b.models,
  };
}

export const ZERO_COUNTS: SyncCounts = Object.freeze({ pushed: 0, pulled: 0, conflicts: 0, deleted: 0, unchanged: 0, models: 0 });

/**
 * "↑3 ↓2, 1 deleted, 1 model, 1 conflict", or "already up to date" when nothing moved; with `failed`
 * files, "…, 25 failed" (and never "already up to date": files that could not be synced are not).
 * The CLI's summary is English; the extension passes `vscode.l10n`.
 */
export function describeCounts(c: SyncCounts, failed = 0, l10n: L10n = englishL10n): string {
  const parts: string[] = [];
  if (c.pushed || c.pulled) parts.push(l10n.t('↑{0} ↓{1}', c.pushed, c.pulled));
  if (c.deleted) parts.push(l10n.t('{0} deleted', c.deleted));
  if (c.models) parts.push(c.models === 1 ? l10n.t('{0} model', c.models) : l10n.t('{0} models', c.models));
  if (c.conflicts) parts.push(c.conflicts === 1 ? l10n.t('{0} conflict', c.conflicts) : l10n.t('{0} conflicts', c.conflicts));
  if (failed) parts.push(l10n.t('{0} failed', failed));
  return parts.length ? parts.join(', ') : l10n.t('already up to date');
}

export interface PendingCounts {
  /** Files a sync would push (new/changed here, and tombstones of deletions). */
  up: number;
  /** Files (and notes) a sync would pull. */
  down: number;
  /** Changed on both sides: a sync merges them (they move both ways). */
  merge: number;
  modelMissing: boolean;
}

export function pendingOf(s: SyncStatus): PendingCounts {
  return {
    up: s.toPush.length + s.toDelete.length + s.toMerge.length,
    down: s.toPull.length + s.notesToPull.length + s.toMerge.length,
    merge: s.toMerge.length,
    modelMissing: s.modelMissing,
  };
}

/**
 * Notes (workspace-relative paths) whose sidecar this sync rewrote or removed on disk: an editor holding
 * them in memory must reload them to show the pulled labels.
 */
export function notesChangedOnDisk(events: readonly SyncEvent[]): string[] {
  const out = new Set<string>();
  for (const e of events) {
    if (e.kind !== 'pulled' && e.kind !== 'merged' && e.kind !== 'deletedLocally') continue;
    if (!e.key.startsWith('annotations/') || !e.key.endsWith('.json')) continue;
    out.add(e.key.slice('annotations/'.length, -'.json'.length));
  }
  return [...out].sort();
}

/** One line per conflict or kept-over-deletion for logs and the CLI, naming the file. */
export function describeEvents(events: readonly SyncEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind === 'merge' && e.event.kind === 'conflict') {
      out.push(`conflict: ${e.key}: ${e.event.item ?? 'span'} ${e.event.spanId} changed on both sides; both kept (remote version as ${e.event.copyId})`);
    } else if (e.kind === 'merge' && e.event.kind === 'deleteVsEdit') {
      out.push(`kept: ${e.key}: ${e.event.item ?? 'span'} ${e.event.spanId} was deleted on one side and edited on the other; the ${e.event.kept} edit was kept`);
    } else if (e.kind === 'labelsConflict') {
      out.push(`conflict: labels.json changed on both sides; the local one was kept, the remote one is in ${e.remoteCopy}`);
    } else if (e.kind === 'keptOverTombstone') {
      out.push(`kept: ${e.key} was deleted on the remote but changed here; pushed again`);
    } else if (e.kind === 'noteDiffers') {
      out.push(`note: ${e.file} differs from the remote's copy and was left as it is here`);
    } else if (e.kind === 'modelPulled') {
      out.push(`model: fetched ${e.key} (${e.detail})`);
    } else if (e.kind === 'modelPinned') {
      out.push(`model: the team pinned ${e.detail}; now pinned here too`);
    }
  }
  return out;
}
