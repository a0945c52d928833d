import { englishL10n, type L10n } from '../localize';

/**
 * What the `sync` status bar item says, as a pure function of the sync state (no `vscode` import, so it is
 * unit-tested under plain node). Codicons: `$(sync)`, `$(sync~spin)` (animated), `$(warning)`,
 * `$(circle-slash)`, `$(check)`, `$(sync-ignored)`.
 */
export type SyncView =
  | { kind: 'restricted' }
  | { kind: 'noRemote' }
  | { kind: 'syncing' }
  /** Before the first status check, or while one is still running. */
  | { kind: 'unknown'; remotes: readonly string[] }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; remotes: readonly string[]; up: number; down: number; conflicts: number; modelMissing: boolean };

export interface ItemText {
  text: string;
  tooltip: string;
}

/**
 * The item's text and tooltip. `l10n` translates (the extension passes `vscode.l10n`); the default leaves
 * the English messages as they are.
 */
export function renderSyncItem(v: SyncView, l10n: L10n = englishL10n): ItemText {
  const click = l10n.t('Click to sync annotations, labels.json and the pinned model.');
  const remotesLine = (remotes: readonly string[]) => (remotes.length ? l10n.t('remote {0}', remotes.join(', ')) : l10n.t('no remote'));
  switch (v.kind) {
    case 'restricted':
      return {
        text: l10n.t('$(circle-slash) Sync (restricted)'),
        tooltip: l10n.t('Sidelight: sync is off in restricted mode: an untrusted workspace never contacts the remote. Trust the workspace to sync.'),
      };
    case 'noRemote':
      return {
        text: l10n.t('Sync: no remote'),
        tooltip: l10n.t('Sidelight: no remote configured. Set "remote" (s3://bucket/prefix or file:///path) in .sidelight/config.json or the sidelight.remote setting.'),
      };
    case 'syncing':
      return { text: l10n.t('$(sync~spin) Syncing…'), tooltip: l10n.t('Sidelight: syncing with the remote…') };
    case 'unknown':
      return { text: l10n.t('$(sync) Sync'), tooltip: l10n.t('Sidelight: {0}', [remotesLine(v.remotes), click].join('\n')) };
    case 'error':
      return { text: l10n.t('$(sync-ignored) Sync'), tooltip: l10n.t('Sidelight: {0}', [v.message, click].join('\n')) };
    case 'ready': {
      const pending = v.modelMissing
        ? l10n.t('{0} to push, {1} to pull, the pinned model to fetch', v.up, v.down)
        : l10n.t('{0} to push, {1} to pull', v.up, v.down);
      const conflicts = !v.conflicts
        ? []
        : v.conflicts === 1
          ? [l10n.t('1 open conflict: both versions are kept; run "Sidelight: Show sync conflicts" to resolve them.')]
          : [l10n.t('{0} open conflicts: both versions are kept; run "Sidelight: Show sync conflicts" to resolve them.', v.conflicts)];
      const tooltip = l10n.t('Sidelight: {0}', [remotesLine(v.remotes), pending, ...conflicts, click].join('\n'));
      if (v.conflicts) return { text: v.conflicts === 1 ? l10n.t('$(warning) 1 conflict') : l10n.t('$(warning) {0} conflicts', v.conflicts), tooltip };
      if (v.up || v.down || v.modelMissing) return { text: l10n.t('$(sync) ↑{0} ↓{1}', v.up, v.down), tooltip };
      return { text: l10n.t('$(check) Synced'), tooltip };
    }
  }
}
