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

const CLICK = 'Click to sync annotations, labels.json and the pinned model.';

export function renderSyncItem(v: SyncView): ItemText {
  switch (v.kind) {
    case 'restricted':
      return {
        text: '$(circle-slash) Sync (restricted)',
        tooltip: 'Sidelight: sync is off in restricted mode: an untrusted workspace never contacts the remote. Trust the workspace to sync.',
      };
    case 'noRemote':
      return {
        text: 'Sync: no remote',
        tooltip: 'Sidelight: no remote configured. Set "remote" (s3://bucket/prefix or file:///path) in .sidelight/config.json or the sidelight.remote setting.',
      };
    case 'syncing':
      return { text: '$(sync~spin) Syncing…', tooltip: 'Sidelight: syncing with the remote…' };
    case 'unknown':
      return { text: '$(sync) Sync', tooltip: `Sidelight: ${remotesLine(v.remotes)}\n${CLICK}` };
    case 'error':
      return { text: '$(sync-ignored) Sync', tooltip: `Sidelight: ${v.message}\n${CLICK}` };
    case 'ready': {
      const pending = `${v.up} to push, ${v.down} to pull${v.modelMissing ? ', the pinned model to fetch' : ''}`;
      const conflicts = v.conflicts ? `\n${v.conflicts} open conflict${v.conflicts === 1 ? '' : 's'}: both versions are kept; run "Sidelight: Show sync conflicts" to resolve them.` : '';
      const tooltip = `Sidelight: ${remotesLine(v.remotes)}\n${pending}${conflicts}\n${CLICK}`;
      if (v.conflicts) return { text: `$(warning) ${v.conflicts} conflict${v.conflicts === 1 ? '' : 's'}`, tooltip };
      if (v.up || v.down || v.modelMissing) return { text: `$(sync) ↑${v.up} ↓${v.down}`, tooltip };
      return { text: '$(check) Synced', tooltip };
    }
  }
}

function remotesLine(remotes: readonly string[]): string {
  return remotes.length ? `remote ${remotes.join(', ')}` : 'no remote';
}
