import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';

/** Where the model a note gets comes from, for messages and the status bar. */
export type ModelSource = 'setting' | 'lock' | 'default';

export interface ResolvedModel {
  dir: string;
  source: ModelSource;
  /** From `.sidelight/model.lock` when `source` is `lock`: the manifest's expected sha256. */
  manifestSha256?: string;
}

export interface ModelLock {
  name: string;
  version: string;
  manifestSha256: string;
}

/** Reads `.sidelight/model.lock` of a workspace; `null` when there is none. */
export async function readModelLock(workspaceDir: string): Promise<ModelLock | null> {
  const file = path.join(workspaceDir, '.sidelight', 'model.lock');
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(file, `cannot be read (${(e as Error).message})`);
  }
  let lock: Partial<ModelLock>;
  try {
    lock = JSON.parse(raw) as Partial<ModelLock>;
  } catch (e) {
    throw new InputError(file, `is not valid JSON (${(e as Error).message})`);
  }
  const safe = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && !/[\\/]|^\.\.?$/.test(s);
  if (!lock || !safe(lock.name) || !safe(lock.version)) {
    throw new InputError(file, 'needs "name" and "version" (plain folder names) and "manifestSha256"');
  }
  if (typeof lock.manifestSha256 !== 'string') throw new InputError(file, 'needs "manifestSha256" (sha256 of the pinned manifest.json)');
  return lock as ModelLock;
}

/**
 * Which model a note gets (design.md): the `sidelight.model.path` setting (or `--model`) if set; else the
 * version pinned in `.sidelight/model.lock`, under `.sidelight/models/<name>/<version>/`; else the embedded
 * default bundle. The pinned folder may not be downloaded yet: the caller loads it and reports what is wrong.
 */
export async function resolveModelDir(opts: { settingPath?: string; workspaceDir?: string; defaultDir: string }): Promise<ResolvedModel> {
  if (opts.settingPath && opts.settingPath.trim()) {
    const dir = opts.workspaceDir ? path.resolve(opts.workspaceDir, opts.settingPath) : path.resolve(opts.settingPath);
    return { dir, source: 'setting' };
  }
  if (opts.workspaceDir) {
    const lock = await readModelLock(opts.workspaceDir);
    if (lock) {
      return {
        dir: path.join(opts.workspaceDir, '.sidelight', 'models', lock.name, lock.version),
        source: 'lock',
        manifestSha256: lock.manifestSha256,
      };
    }
  }
  return { dir: opts.defaultDir, source: 'default' };
}
