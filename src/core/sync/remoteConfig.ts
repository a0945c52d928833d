import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors';
import { isDirectory } from '../fs/exists';
import { readTextIfExists } from '../fs/notFound';
import { CONFIG_FILE, workspacePath } from '../workspaceLayout';
import { parseJsonObject } from '../jsonObject';
import { FileRemote } from './fileRemote';
import type { Remote } from './remote';
import { S3Remote, parseS3Url, type S3RemoteOptions } from './s3Remote';

/**
 * Which remote a workspace syncs with: `.sidelight/config.json`
 * (`{"remote": "s3://bucket/prefix" | "file:///path", "s3": {region, profile, endpoint, forcePathStyle,
 * sse, kmsKeyId}}`), overridden by the workspace `sidelight.remote` setting or the CLI's `--remote`.
 * Credentials are never read from here: the AWS chain (env, shared files, SSO) provides them.
 */

export type S3ConfigBlock = Pick<S3RemoteOptions, 'region' | 'profile' | 'endpoint' | 'forcePathStyle' | 'sse' | 'kmsKeyId'>;

export interface RemoteConfig {
  /** The remote URL, or undefined when the workspace has none. */
  remote?: string;
  s3: S3ConfigBlock;
}

const S3_STRING_KEYS = ['region', 'profile', 'endpoint', 'kmsKeyId'] as const;
const SECRET_KEYS = /^(accessKeyId|secretAccessKey|sessionToken|aws_access_key_id|aws_secret_access_key|aws_session_token|credentials|password|secret)$/i;

/** Reads and checks `.sidelight/config.json`; a missing file is an empty config. */
export async function readRemoteConfig(workspaceDir: string): Promise<RemoteConfig> {
  const text = await readTextIfExists(workspacePath(workspaceDir, CONFIG_FILE));
  return text === undefined ? { s3: {} } : parseRemoteConfig(text, CONFIG_FILE);
}

export function parseRemoteConfig(text: string, file: string): RemoteConfig {
  const obj = parseJsonObject(text, file);
  const out: RemoteConfig = { s3: {} };
  if (obj.remote !== undefined && obj.remote !== null && obj.remote !== '') {
    if (typeof obj.remote !== 'string') throw new InputError(file, '"remote" must be a string (s3://bucket/prefix or file:///path)');
    checkRemoteUrl(obj.remote, file);
    out.remote = obj.remote;
  }
  if (obj.s3 !== undefined) {
    if (obj.s3 === null || typeof obj.s3 !== 'object' || Array.isArray(obj.s3)) throw new InputError(file, '"s3" must be an object');
    const s3 = obj.s3 as Record<string, unknown>;
    for (const [key, value] of Object.entries(s3)) {
      if (SECRET_KEYS.test(key)) {
        throw new InputError(file, `"s3.${key}": credentials are never read from config.json; use the AWS environment, profile or SSO`);
      }
      if ((S3_STRING_KEYS as readonly string[]).includes(key)) {
        if (typeof value !== 'string') throw new InputError(file, `"s3.${key}" must be a string`);
        (out.s3 as Record<string, unknown>)[key] = value;
      } else if (key === 'forcePathStyle') {
        if (typeof value !== 'boolean') throw new InputError(file, '"s3.forcePathStyle" must be true or false');
        out.s3.forcePathStyle = value;
      } else if (key === 'sse') {
        if (value !== 'AES256' && value !== 'aws:kms') throw new InputError(file, '"s3.sse" must be "AES256" or "aws:kms"');
        out.s3.sse = value;
      } else {
        throw new InputError(file, `unknown setting "s3.${key}" (known: region, profile, endpoint, forcePathStyle, sse, kmsKeyId)`);
      }
    }
    if (out.s3.kmsKeyId && out.s3.sse !== 'aws:kms') throw new InputError(file, '"s3.kmsKeyId" needs "s3.sse": "aws:kms"');
    if (out.s3.endpoint && !/^https?:\/\/[^/]/.test(out.s3.endpoint)) throw new InputError(file, '"s3.endpoint" must be an http(s) URL');
  }
  return out;
}

function checkRemoteUrl(url: string, file: string): void {
  if (url.startsWith('s3://')) {
    try {
      parseS3Url(url);
    } catch (e) {
      throw new InputError(file, e instanceof InputError ? `remote ${JSON.stringify(url)}: ${e.problem}` : String(e));
    }
    return;
  }
  if (url.startsWith('file:')) {
    if (url === 'file:' || url === 'file://') throw new InputError(file, `remote ${JSON.stringify(url)} names no folder`);
    return;
  }
  throw new InputError(file, `remote ${JSON.stringify(url)} is neither s3://bucket/prefix nor file:///path`);
}

/**
 * Opens a remote from a URL. `file:///abs/path` is absolute; `file:./x` and `file:../x` are relative to
 * the workspace (the demo's embedded remote).
 */
export function openRemote(url: string, s3: S3ConfigBlock = {}, workspaceDir = process.cwd(), extra: Partial<S3RemoteOptions> = {}): Remote {
  if (url.startsWith('s3://')) return new S3Remote(url, { ...s3, ...extra });
  if (url === 'file:' || url === 'file://') throw new InputError('remote', `${JSON.stringify(url)} names no folder`);
  if (url.startsWith('file://')) return new FileRemote(fileURLToPath(url));
  if (url.startsWith('file:')) return new FileRemote(path.resolve(workspaceDir, url.slice('file:'.length)));
  throw new InputError('remote', `${JSON.stringify(url)} is neither s3://bucket/prefix nor file:///path`);
}

export interface ResolveRemoteOptions {
  /** The `sidelight.remote` setting or `--remote`: wins over config.json. */
  override?: string;
  /** Extra S3 options (timeouts, environment) for tests and the CLI. */
  s3?: Partial<S3RemoteOptions>;
}

/** The workspace's remote, or undefined when none is configured. */
export async function resolveRemote(workspaceDir: string, options: ResolveRemoteOptions = {}): Promise<Remote | undefined> {
  const config = await readRemoteConfig(workspaceDir);
  const url = options.override || config.remote;
  if (!url) return undefined;
  if (options.override) checkRemoteUrl(options.override, '--remote');
  const remote = openRemote(url, config.s3, workspaceDir, options.s3);
  await checkFolderRemote(remote, workspaceDir);
  return remote;
}

/**
 * A folder remote must be a folder that exists: a mistyped path would otherwise become a new, empty
 * remote that the next sync fills. With a workspace, it must also be neither the workspace nor a folder
 * above it (`file:.`), where a sync would take the workspace's own files for the remote's. S3 remotes
 * pass unchecked (their bucket is checked by the first request).
 */
export async function checkFolderRemote(remote: Remote, workspaceDir?: string): Promise<void> {
  if (!(remote instanceof FileRemote)) return;
  const root = fileURLToPath(remote.url);
  if (workspaceDir !== undefined) {
    const rel = path.relative(root, path.resolve(workspaceDir));
    if (rel === '' || !(rel.startsWith('..') || path.isAbsolute(rel))) {
      throw new InputError('remote', `${remote.url} is the workspace folder or a folder above it: a remote must be a folder of its own`);
    }
  }
  if (!(await isDirectory(root))) throw new InputError('remote', `${remote.url}: no such folder (create it for a new remote; a mistyped path is not created)`);
}
