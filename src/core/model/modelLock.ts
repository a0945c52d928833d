import { InputError } from '../errors';
import { writeFileAtomic } from '../fs/atomicWrite';
import { readTextIfExists } from '../fs/notFound';
import { stripBom } from '../fs/text';
import { parseJsonObject } from '../jsonObject';
import { MODEL_LOCK, installedModelDir, workspacePath } from '../workspaceLayout';

/**
 * `.sidelight/model.lock`: the model version a workspace is pinned to, `{"name", "version",
 * "manifestSha256"}`, committed to git so that every teammate's editor and `sidelight sync` use the same
 * bundle. This module is its only reader and writer: the editor's model resolution and the sync must
 * never disagree about whether one lock is valid.
 */
export interface ModelLock {
  name: string;
  version: string;
  /** The sha256 of the pinned version's manifest.json. */
  manifestSha256: string;
}

/** A model name or version: one folder name under `.sidelight/models/` and one segment of a remote key. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `value` when it is a valid model name or version; an InputError naming `file` otherwise. */
export function checkModelSegment(value: unknown, what: string, file: string): string {
  if (typeof value !== 'string' || !isModelSegment(value)) {
    throw new InputError(file, `${what} ${JSON.stringify(value)} must be letters, digits, '.', '_', '+' or '-' (no '..')`);
  }
  return value;
}

export function isModelSegment(value: string): boolean {
  return SEGMENT.test(value) && !value.includes('..');
}

export function parseModelLock(text: string, file: string): ModelLock {
  const raw = parseJsonObject(stripBom(text), file);
  const name = checkModelSegment(raw.name, 'name', file);
  const version = checkModelSegment(raw.version, 'version', file);
  if (typeof raw.manifestSha256 !== 'string' || !SHA256_HEX.test(raw.manifestSha256)) {
    throw new InputError(file, 'manifestSha256 must be 64 hex digits (the sha256 of the pinned manifest.json)');
  }
  return { name, version, manifestSha256: raw.manifestSha256 };
}

export function serializeModelLock(lock: ModelLock): string {
  return JSON.stringify({ name: lock.name, version: lock.version, manifestSha256: lock.manifestSha256 }, null, 2) + '\n';
}

/** The workspace's pin; undefined when it has no model.lock. An InputError when the lock is malformed. */
export async function readModelLock(workspaceDir: string): Promise<ModelLock | undefined> {
  const file = workspacePath(workspaceDir, MODEL_LOCK);
  let text: string | undefined;
  try {
    text = await readTextIfExists(file);
  } catch (e) {
    throw new InputError(file, `cannot be read (${(e as Error).message})`);
  }
  return text === undefined ? undefined : parseModelLock(text, file);
}

/** Pins `lock` (checked first: a lock that its own reader would refuse is never written). */
export async function writeModelLock(workspaceDir: string, lock: ModelLock): Promise<void> {
  const file = workspacePath(workspaceDir, MODEL_LOCK);
  const checked = parseModelLock(serializeModelLock(lock), file);
  await writeFileAtomic(file, serializeModelLock(checked));
}

/** Where the pinned version is installed: `.sidelight/models/<name>/<version>/`. */
export function pinnedModelDir(workspaceDir: string, lock: ModelLock): string {
  return installedModelDir(workspaceDir, lock.name, lock.version);
}
