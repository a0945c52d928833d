import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { parseJsonObject } from '../jsonObject';
import { writeFileAtomic } from '../fs/atomicWrite';
import { isNotFound, readBytesIfExists } from '../fs/notFound';
import { checkModelSegment, isModelSegment, pinnedModelDir, readModelLock, SHA256_HEX, writeModelLock, type ModelLock } from '../model/modelLock';
import { installedModelDir, MODEL_LOCK, MODELS_DIR, workspacePath } from '../workspaceLayout';
import { ContentMismatchError } from './hash';
import { sha256File, sha256Hex } from '../fs/sha256';
import { mapLimit } from './pool';
import { PreconditionFailedError, throwIfAborted, type Remote } from './remote';
import { checkRemoteKey, resolveKeyUnder } from './remoteKey';

/**
 * Model bundles on the remote: `models/<name>/<version>/<file>` is immutable once its `manifest.json` is
 * there (the manifest is written last, so a version without one is an unfinished push, not a release);
 * `models/<name>/LATEST` = `{"version", "manifestSha256"}` names the current one and is updated with a
 * conditional write. A pull downloads into `.sidelight/models/.tmp-<name>@<version>/`, checks every file's
 * size and sha256 against the manifest, and only then renames the folder into
 * `.sidelight/models/<name>/<version>/` and pins it in `.sidelight/model.lock`: a file that fails the
 * check is never where the runner looks. Verified files left in the temporary folder by a failed pull are
 * reused by the next one.
 */

export interface ManifestFile {
  sha256: string;
  size: number;
}

export interface ModelManifest {
  name: string;
  version: string;
  files: Record<string, ManifestFile>;
  [field: string]: unknown;
}

export interface ModelProgress {
  file: string;
  /** Bytes moved so far over all files of the bundle, and their total. */
  loaded: number;
  total: number;
}

export interface ModelTransferOptions {
  signal?: AbortSignal;
  onProgress?: (p: ModelProgress) => void;
  /** Files transferred in parallel (each one multipart on S3). Default 3. */
  concurrency?: number;
}

/** Pushing a version that already exists with different content: versions are immutable. */
export class ModelVersionExistsError extends Error {
  constructor(
    readonly modelName: string,
    readonly version: string,
    detail: string,
  ) {
    super(`model ${modelName}@${version} already exists on the remote with different content (${detail}); versions are immutable: bump "version" in manifest.json`);
    this.name = 'ModelVersionExistsError';
  }
}

/** A downloaded (or local) file that does not match its manifest entry. */
export class ModelVerificationError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}; refused (nothing was switched)`);
    this.name = 'ModelVerificationError';
  }
}

const PART_SUFFIX = '.part';

/** Sums the bytes moved per file into one progress figure for the whole bundle (files move in parallel). */
function transferProgress(total: number, onProgress: ((p: { file: string; loaded: number; total: number }) => void) | undefined): (file: string, loaded: number) => void {
  const loadedBy = new Map<string, number>();
  return (file, loaded) => {
    loadedBy.set(file, loaded);
    let sum = 0;
    for (const v of loadedBy.values()) sum += v;
    onProgress?.({ file, loaded: sum, total });
  };
}

export function parseManifest(text: string, file: string): ModelManifest {
  const m = parseJsonObject(text, file);
  checkModelSegment(m.name, 'name', file);
  checkModelSegment(m.version, 'version', file);
  if (m.files === null || typeof m.files !== 'object' || Array.isArray(m.files)) throw new InputError(file, '"files" must be an object');
  for (const [name, entry] of Object.entries(m.files as Record<string, unknown>)) {
    try {
      checkRemoteKey(name);
    } catch (e) {
      throw new InputError(file, `files: ${(e as Error).message}`);
    }
    if (name === 'manifest.json') throw new InputError(file, 'files: manifest.json cannot list itself');
    // A pull downloads X into `X.part` beside it: a listed `X.part` would be overwritten by X's download
    // (or be taken for it), installing the wrong bytes while each check passes.
    if (name.endsWith(PART_SUFFIX)) throw new InputError(file, `files: ${JSON.stringify(name)}: names ending in "${PART_SUFFIX}" are reserved for downloads in progress`);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      if (Object.prototype.hasOwnProperty.call(m.files, ancestor)) throw new InputError(file, `files: ${JSON.stringify(name)} lies below ${JSON.stringify(ancestor)}, which is listed as a file`);
    }
    const f = entry as Partial<ManifestFile> | null;
    if (!f || typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) throw new InputError(file, `files.${name}.sha256 must be 64 hex digits`);
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw new InputError(file, `files.${name}.size must be a byte count`);
  }
  return m as ModelManifest;
}

const versionPrefix = (name: string, version: string) => `models/${name}/${version}/`;
const latestKey = (name: string) => `models/${name}/LATEST`;

export interface PushResult {
  name: string;
  version: string;
  manifestSha256: string;
  uploaded: string[];
  skipped: string[];
  /** The version was already complete on the remote: nothing was written. */
  alreadyPublished: boolean;
}

export async function pushModel(bundleDir: string, remote: Remote, options: ModelTransferOptions = {}): Promise<PushResult> {
  const manifestPath = path.join(bundleDir, 'manifest.json');
  const manifestBytes = await fs.readFile(manifestPath);
  const manifest = parseManifest(manifestBytes.toString('utf8'), manifestPath);
  const manifestSha256 = sha256Hex(manifestBytes);
  const { name, version } = manifest;
  const prefix = versionPrefix(name, version);
  const files = Object.keys(manifest.files).sort();

  // Never publish a bundle that does not match its own manifest. Sizes are checked here; contents while
  // each file streams to the remote (putFile with `sha256`), so a large model is read once, not twice.
  await mapLimit(files, 8, async (f) => {
    const local = resolveKeyUnder(bundleDir, f);
    let size;
    try {
      size = (await fs.stat(local)).size;
    } catch (e) {
      if (isNotFound(e)) throw new ModelVerificationError(local, 'listed in manifest.json but missing');
      throw e;
    }
    if (size !== manifest.files[f].size) throw new ModelVerificationError(local, `size ${size} ≠ ${manifest.files[f].size} in manifest.json`);
  }, options.signal);

  const existing = await remote.get(prefix + 'manifest.json', { signal: options.signal });
  if (existing && sha256Hex(existing.body) !== manifestSha256) throw new ModelVersionExistsError(name, version, 'manifest.json differs');
  const alreadyPublished = existing !== undefined;

  const total = files.reduce((n, f) => n + manifest.files[f].size, 0);
  const report = transferProgress(total, options.onProgress);
  const uploaded: string[] = [];
  const skipped: string[] = [];
  await mapLimit(files, options.concurrency ?? 3, async (f) => {
    const want = manifest.files[f];
    const head = await remote.head(prefix + f, { signal: options.signal });
    // Same size and (when the remote knows it) the same sha256: already there, e.g. from an interrupted push.
    if (head && head.size === want.size && (head.sha256 === want.sha256 || (head.sha256 === undefined && alreadyPublished))) {
      skipped.push(f);
      report(f, want.size);
      return;
    }
    if (head && alreadyPublished) throw new ModelVersionExistsError(name, version, `${f} differs`);
    try {
      await remote.putFile(prefix + f, resolveKeyUnder(bundleDir, f), {
        sha256: want.sha256,
        signal: options.signal,
        onProgress: (loaded) => report(f, loaded),
      });
    } catch (e) {
      if (e instanceof ContentMismatchError) throw new ModelVerificationError(e.file, 'sha256 differs from manifest.json');
      throw e;
    }
    uploaded.push(f);
  }, options.signal);

  if (!alreadyPublished) {
    try {
      await remote.put(prefix + 'manifest.json', manifestBytes, { ifNoneMatch: true, signal: options.signal });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
      // Someone published this version at the same moment: fine if it is the same bundle.
      const theirs = await remote.get(prefix + 'manifest.json', { signal: options.signal });
      if (!theirs || sha256Hex(theirs.body) !== manifestSha256) throw new ModelVersionExistsError(name, version, 'published concurrently with a different manifest.json');
    }
    await updateLatest(remote, name, { version, manifestSha256 }, options.signal);
  }
  return { name, version, manifestSha256, uploaded: uploaded.sort(), skipped: skipped.sort(), alreadyPublished };
}

/** Points LATEST at the version with a conditional write, re-reading and retrying when someone raced us. */
async function updateLatest(remote: Remote, name: string, latest: { version: string; manifestSha256: string }, signal?: AbortSignal): Promise<void> {
  const body = Buffer.from(JSON.stringify(latest, null, 2) + '\n');
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await remote.get(latestKey(name), { signal });
    try {
      await remote.put(latestKey(name), body, current ? { ifMatch: current.etag, signal } : { ifNoneMatch: true, signal });
      return;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
  }
  throw new Error(`${latestKey(name)}: kept changing while it was being updated; push again`);
}

export interface PullResult {
  name: string;
  version: string;
  manifestSha256: string;
  dir: string;
  downloaded: string[];
  reused: string[];
  /** The pin this pull replaced, when it named another version (rollback, or a newer LATEST). */
  previous?: ModelLock;
}

async function readLatest(remote: Remote, name: string, signal?: AbortSignal): Promise<{ version: string; manifestSha256: string } | undefined> {
  const obj = await remote.get(latestKey(name), { signal });
  if (!obj) return undefined;
  const where = `${remote.url}/${latestKey(name)}`;
  let raw: { version?: unknown; manifestSha256?: unknown };
  try {
    raw = JSON.parse(Buffer.from(obj.body).toString('utf8'));
  } catch (e) {
    throw new InputError(where, `not valid JSON (${(e as Error).message})`);
  }
  const version = checkModelSegment(raw?.version, 'version', where);
  if (typeof raw.manifestSha256 !== 'string' || !SHA256_HEX.test(raw.manifestSha256)) throw new InputError(where, 'manifestSha256 must be 64 hex digits');
  return { version, manifestSha256: raw.manifestSha256 };
}

/** Checks a local file against its manifest entry without throwing: true when it matches. */
async function matches(file: string, want: ManifestFile, signal?: AbortSignal): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size !== want.size) return false;
    return (await sha256File(file, signal)).sha256 === want.sha256;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

export async function pullModel(
  name: string,
  version: string | 'latest',
  workspaceDir: string,
  remote: Remote,
  options: ModelTransferOptions & { expectedManifestSha256?: string } = {},
): Promise<PullResult> {
  checkModelSegment(name, 'model name', 'pull');
  let expected = options.expectedManifestSha256;
  if (version === 'latest') {
    const latest = await readLatest(remote, name, options.signal);
    if (!latest) throw new Error(`no model ${name} on ${remote.url} (no ${latestKey(name)})`);
    version = latest.version;
    expected ??= latest.manifestSha256;
  }
  checkModelSegment(version, 'version', 'pull');
  const prefix = versionPrefix(name, version);
  const manifestObj = await remote.get(prefix + 'manifest.json', { signal: options.signal });
  if (!manifestObj) throw new Error(`no model ${name}@${version} on ${remote.url}`);
  const manifestSha256 = sha256Hex(manifestObj.body);
  if (expected && manifestSha256 !== expected) {
    throw new ModelVerificationError(`${prefix}manifest.json`, `sha256 ${manifestSha256.slice(0, 12)}… is not the pinned/LATEST ${expected.slice(0, 12)}…`);
  }
  // A version is immutable, here as on the remote: once pinned or installed with one manifest, a remote
  // that now serves another manifest under the same version was rewritten (LATEST, manifest and files
  // can all be rewritten consistently by anyone who can write the bucket), and is refused rather than
  // swapped in under a name the workspace already trusts.
  // A lock that cannot be read pins nothing: this pull writes a valid one.
  const previous = await readModelLock(workspaceDir).catch((e: unknown) => {
    if (e instanceof InputError) return undefined;
    throw e;
  });
  if (previous && previous.name === name && previous.version === version && previous.manifestSha256 !== manifestSha256) {
    throw new ModelVerificationError(
      `${prefix}manifest.json`,
      `${name}@${version} is pinned in ${MODEL_LOCK} with manifest sha256 ${previous.manifestSha256.slice(0, 12)}…, but the remote now serves ${manifestSha256.slice(0, 12)}…: a published version was rewritten on the remote`,
    );
  }
  // Unless the caller's lock (model.lock from git: the authority) names this very manifest, e.g. a
  // teammate re-pinned it on purpose: then the stale install is replaced.
  const vouched = options.expectedManifestSha256 === manifestSha256;
  const installedSha = await installedManifestSha(installedModelDir(workspaceDir, name, version));
  if (!vouched && installedSha !== undefined && installedSha !== manifestSha256) {
    throw new ModelVerificationError(
      `${prefix}manifest.json`,
      `${name}@${version} is installed in ${path.join(MODELS_DIR, name, version)} with manifest sha256 ${installedSha.slice(0, 12)}…, but the remote now serves ${manifestSha256.slice(0, 12)}…: a published version was rewritten on the remote`,
    );
  }
  const manifest = parseManifest(Buffer.from(manifestObj.body).toString('utf8'), `${remote.url}/${prefix}manifest.json`);
  if (manifest.name !== name || manifest.version !== version) {
    throw new ModelVerificationError(`${prefix}manifest.json`, `names ${manifest.name}@${manifest.version}, not ${name}@${version}`);
  }

  const modelsDir = workspacePath(workspaceDir, MODELS_DIR);
  const finalDir = installedModelDir(workspaceDir, name, version);
  const tmpDir = path.join(modelsDir, `.tmp-${name}@${version}`);
  const files = Object.keys(manifest.files).sort();
  const lock: ModelLock = { name, version, manifestSha256 };

  const repinned = previous && (previous.name !== name || previous.version !== version) ? previous : undefined;
  // Already installed and intact: only pin it.
  if (await installedMatches(finalDir, manifestSha256, manifest, options.signal)) {
    await writeModelLock(workspaceDir, lock);
    return { ...lock, dir: finalDir, downloaded: [], reused: files, ...(repinned ? { previous: repinned } : {}) };
  }

  await fs.mkdir(tmpDir, { recursive: true });
  const total = files.reduce((n, f) => n + manifest.files[f].size, 0);
  const report = transferProgress(total, options.onProgress);
  const downloaded: string[] = [];
  const reused: string[] = [];
  await mapLimit(files, options.concurrency ?? 3, async (f) => {
    const want = manifest.files[f];
    const target = resolveKeyUnder(tmpDir, f);
    if (await matches(target, want, options.signal)) {
      reused.push(f);
      report(f, want.size);
      return;
    }
    const part = `${target}${PART_SUFFIX}`;
    await fs.rm(target, { force: true });
    const got = await remote.getToFile(prefix + f, part, { signal: options.signal, onProgress: (loaded) => report(f, loaded) });
    if (!got) throw new ModelVerificationError(`${prefix}${f}`, 'listed in manifest.json but missing on the remote');
    const actual = await sha256File(part, options.signal);
    if (actual.size !== want.size || actual.sha256 !== want.sha256) {
      await fs.rm(part, { force: true });
      throw new ModelVerificationError(
        `${prefix}${f}`,
        actual.size !== want.size ? `size ${actual.size} ≠ ${want.size} in manifest.json` : 'sha256 differs from manifest.json (tampered or corrupted)',
      );
    }
    await fs.rename(part, target);
    downloaded.push(f);
  }, options.signal);
  throwIfAborted(options.signal);
  await writeFileAtomic(path.join(tmpDir, 'manifest.json'), manifestObj.body);

  // Switch: one rename of the verified folder. A broken install already there is moved aside first.
  await fs.mkdir(path.dirname(finalDir), { recursive: true });
  let aside: string | undefined;
  try {
    await fs.rename(tmpDir, finalDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    aside = path.join(modelsDir, `.old-${name}@${version}-${randomBytes(4).toString('hex')}`);
    await fs.rename(finalDir, aside);
    await fs.rename(tmpDir, finalDir);
  }
  if (aside) await fs.rm(aside, { recursive: true, force: true });
  await writeModelLock(workspaceDir, lock);
  return { ...lock, dir: finalDir, downloaded: downloaded.sort(), reused: reused.sort(), ...(repinned ? { previous: repinned } : {}) };
}

/** The sha256 of an installed version's manifest.json, or undefined when that version is not installed. */
async function installedManifestSha(dir: string): Promise<string | undefined> {
  const bytes = await readBytesIfExists(path.join(dir, 'manifest.json'));
  return bytes && sha256Hex(bytes);
}

async function installedMatches(dir: string, manifestSha256: string, manifest: ModelManifest, signal?: AbortSignal): Promise<boolean> {
  if ((await installedManifestSha(dir)) !== manifestSha256) return false;
  for (const [f, want] of Object.entries(manifest.files)) if (!(await matches(resolveKeyUnder(dir, f), want, signal))) return false;
  return true;
}

/**
 * Pins a bundle that is already under `.sidelight/models/<name>/<version>/` (trained here by `sidelight
 * train`, or pulled) in `.sidelight/model.lock`, with the sha256 of its manifest as it is now.
 */
export async function pinLocalModel(workspaceDir: string, name: string, version: string): Promise<ModelLock> {
  checkModelSegment(name, 'name', MODEL_LOCK);
  checkModelSegment(version, 'version', MODEL_LOCK);
  const bytes = await fs.readFile(path.join(installedModelDir(workspaceDir, name, version), 'manifest.json'));
  const lock: ModelLock = { name, version, manifestSha256: sha256Hex(bytes) };
  await writeModelLock(workspaceDir, lock);
  return lock;
}

/** True when the pinned model's folder exists with the pinned manifest (files are verified by the runner). */
export async function pinnedModelPresent(workspaceDir: string, lock: ModelLock): Promise<boolean> {
  const bytes = await readBytesIfExists(path.join(pinnedModelDir(workspaceDir, lock), 'manifest.json'));
  return bytes !== undefined && sha256Hex(bytes) === lock.manifestSha256;
}

export interface ModelListing {
  name: string;
  /** Published versions (those with a manifest.json), oldest first in natural order. */
  versions: string[];
  latest?: { version: string; manifestSha256: string };
  /** This model's LATEST could not be read (the problem); the other models are still listed. */
  latestError?: string;
}

export async function listModels(remote: Remote, options: { signal?: AbortSignal } = {}): Promise<ModelListing[]> {
  const entries = await remote.list('models/', options);
  const byName = new Map<string, Set<string>>();
  const withLatest = new Set<string>();
  for (const { key } of entries) {
    const parts = key.split('/');
    if (parts.length === 4 && parts[3] === 'manifest.json' && isModelSegment(parts[1]) && isModelSegment(parts[2])) {
      if (!byName.has(parts[1])) byName.set(parts[1], new Set());
      byName.get(parts[1])!.add(parts[2]);
    } else if (parts.length === 3 && parts[2] === 'LATEST' && isModelSegment(parts[1])) {
      withLatest.add(parts[1]);
      if (!byName.has(parts[1])) byName.set(parts[1], new Set());
    }
  }
  const collator = new Intl.Collator('en', { numeric: true });
  const out: ModelListing[] = [];
  for (const name of [...byName.keys()].sort()) {
    let latest;
    let latestError: string | undefined;
    try {
      latest = withLatest.has(name) ? await readLatest(remote, name, options.signal) : undefined;
    } catch (e) {
      // One model's damaged LATEST must not hide every other model.
      if (!(e instanceof InputError)) throw e;
      latestError = e.message;
    }
    out.push({ name, versions: [...byName.get(name)!].sort(collator.compare), ...(latest ? { latest } : {}), ...(latestError ? { latestError } : {}) });
  }
  return out;
}
