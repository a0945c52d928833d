import * as path from 'node:path';
import { pinnedModelDir, readModelLock } from './modelLock';

/** Where the model a note gets comes from, for messages and the status bar. */
export type ModelSource = 'setting' | 'lock' | 'default';

export interface ResolvedModel {
  dir: string;
  source: ModelSource;
  /** From `.sidelight/model.lock` when `source` is `lock`: the manifest's expected sha256. */
  manifestSha256?: string;
}

/**
 * Which model a note gets (design.md): the `sidelight.model.path` setting (or `--model`) if set; else the
 * version pinned in `.sidelight/model.lock`, under `.sidelight/models/<name>/<version>/`; else the embedded
 * default bundle. The pinned folder may not be downloaded yet: the caller loads it and reports what is wrong.
 * A malformed lock throws its InputError, the same one `sidelight sync` reports (modelLock.ts).
 */
export async function resolveModelDir(opts: { settingPath?: string; workspaceDir?: string; defaultDir: string }): Promise<ResolvedModel> {
  if (opts.settingPath && opts.settingPath.trim()) {
    const dir = opts.workspaceDir ? path.resolve(opts.workspaceDir, opts.settingPath) : path.resolve(opts.settingPath);
    return { dir, source: 'setting' };
  }
  if (opts.workspaceDir) {
    const lock = await readModelLock(opts.workspaceDir);
    if (lock) return { dir: pinnedModelDir(opts.workspaceDir, lock), source: 'lock', manifestSha256: lock.manifestSha256 };
  }
  return { dir: opts.defaultDir, source: 'default' };
}
