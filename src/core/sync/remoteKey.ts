import * as path from 'node:path';

/**
 * Remote keys come from a bucket that other people (or an attacker) can write to. Before a key is used
 * to build a local path it must be a plain relative '/'-separated path that cannot escape the folder it
 * is resolved against: no `..` or `.` segments, no absolute paths, no backslashes (a separator on
 * Windows), no drive letters, no NUL or other control characters, no empty segments.
 */
export class UnsafeKeyError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`refused remote key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'UnsafeKeyError';
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws UnsafeKeyError unless `key` is a safe relative key; returns it unchanged. */
export function checkRemoteKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new UnsafeKeyError(String(key), 'empty key');
  if (key.includes('\0')) throw new UnsafeKeyError(key, 'contains NUL');
  if (CONTROL.test(key)) throw new UnsafeKeyError(key, 'contains a control character');
  if (key.includes('\\')) throw new UnsafeKeyError(key, 'contains a backslash');
  if (key.startsWith('/')) throw new UnsafeKeyError(key, 'is an absolute path');
  if (/^[A-Za-z]:/.test(key)) throw new UnsafeKeyError(key, 'starts with a drive letter');
  for (const segment of key.split('/')) {
    if (segment === '') throw new UnsafeKeyError(key, 'has an empty path segment');
    if (segment === '..') throw new UnsafeKeyError(key, "has a '..' segment");
    if (segment === '.') throw new UnsafeKeyError(key, "has a '.' segment");
    // A drive-relative segment (`x/C:y`) or an NTFS alternate data stream (`a.json:evil`) on Windows.
    if (segment.includes(':')) throw new UnsafeKeyError(key, "has a ':' in a path segment");
  }
  return key;
}

/** True when `key` passes checkRemoteKey. */
export function isSafeRemoteKey(key: string): boolean {
  try {
    checkRemoteKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a remote key (relative to some remote prefix) below `baseDir`. Checks the key, then checks
 * the resolved path again, so that no future change to the rules above can let a key escape.
 */
export function resolveKeyUnder(baseDir: string, key: string): string {
  checkRemoteKey(key);
  const base = path.resolve(baseDir);
  const resolved = path.resolve(base, ...key.split('/'));
  const rel = path.relative(base, resolved);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new UnsafeKeyError(key, 'resolves outside its folder');
  return resolved;
}

/** The remote key for a local path below `baseDir` ('/'-separated), checked. */
export function keyFromLocalPath(baseDir: string, file: string): string {
  const rel = path.relative(baseDir, file).split(path.sep).join('/');
  return checkRemoteKey(rel);
}

/** Joins a key prefix and a relative key with exactly one '/'. */
export function joinKey(prefix: string, key: string): string {
  if (!prefix) return key;
  return prefix.endsWith('/') ? prefix + key : `${prefix}/${key}`;
}
