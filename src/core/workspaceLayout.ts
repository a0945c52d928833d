import * as path from 'node:path';

/**
 * Where everything Sidelight keeps in a workspace folder lives: every path under `.sidelight/` is named
 * here, and only here. Paths are workspace-relative and `/`-separated (as messages and watcher globs
 * show them); `workspacePath` makes one absolute for the platform.
 *
 * | under `.sidelight/`                 | format: parsed and serialized by      | written by                                   |
 * |-------------------------------------|---------------------------------------|----------------------------------------------|
 * | `annotations/<note path>.json`      | annotations/sidecar.ts                | annotations/store/sidecarWriter.ts (editor,  |
 * |                                     |                                       | CLI import); sync/syncEngine.ts (pull, merge)|
 * | `labels.json`                       | annotations/labelSchema.ts            | labelSchema.ts (first use); syncEngine (pull)|
 * | `labels.remote.json`                | (a remote copy of labels.json)        | sync/syncEngine.ts (labels conflict)         |
 * | `model.lock`                        | model/modelLock.ts                    | model/modelLock.ts (pull, pin)               |
 * | `models/<name>/<version>/`          | model/bundle.ts (to load it);         | sync/modelArtifacts.ts (pull),               |
 * |                                     | sync/modelArtifacts.ts (to move it)   | training/trainRun.ts (train)                 |
 * | `config.json`                       | sync/remoteConfig.ts                  | the user (never written by Sidelight)        |
 * | `sync/state.json`, `sync/base/`     | sync/syncState.ts                     | sync/syncState.ts                            |
 * | `sync/bases/*.pack`                 | sync/basePacks.ts                     | sync/basePacks.ts                            |
 *
 * Every file is replaced atomically: written with fs/atomicWrite.ts, or (a model bundle) verified in a
 * temporary folder renamed into place. A sidecar's check-then-replace also holds fs/fileLock.ts.
 */

export const SIDELIGHT_DIR = '.sidelight';
export const ANNOTATIONS_DIR = `${SIDELIGHT_DIR}/annotations`;
export const LABELS_FILE = `${SIDELIGHT_DIR}/labels.json`;
/** The remote's labels.json, kept beside ours while both changed: a conflict that waits for a person. */
export const LABELS_REMOTE_COPY = `${SIDELIGHT_DIR}/labels.remote.json`;
export const MODEL_LOCK = `${SIDELIGHT_DIR}/model.lock`;
export const MODELS_DIR = `${SIDELIGHT_DIR}/models`;
export const CONFIG_FILE = `${SIDELIGHT_DIR}/config.json`;
/** The sync's cache (ignored by git, safe to delete). */
export const SYNC_DIR = `${SIDELIGHT_DIR}/sync`;
export const SYNC_STATE_FILE = `${SYNC_DIR}/state.json`;
/** Merge bases packed by basePacks.ts. */
export const SYNC_BASES_DIR = `${SYNC_DIR}/bases`;
/** Merge bases of workspaces synced by an earlier version: one file per key (read, then removed). */
export const SYNC_LEGACY_BASE_DIR = `${SYNC_DIR}/base`;

/** The absolute path of a workspace-relative `/` path. */
export function workspacePath(workspaceDir: string, rel: string): string {
  return path.join(workspaceDir, ...rel.split('/'));
}

/** `.sidelight/models/<name>/<version>/`: where a pulled or trained bundle is installed. */
export function installedModelDir(workspaceDir: string, name: string, version: string): string {
  return path.join(workspacePath(workspaceDir, MODELS_DIR), name, version);
}
