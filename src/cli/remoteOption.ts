import * as path from 'node:path';
import { isDirectory } from '../core/fs/exists';
import { checkFolderRemote, openRemote, resolveRemote } from '../core/sync/remoteConfig';
import type { Remote } from '../core/sync/remote';
import { CONFIG_FILE, workspacePath } from '../core/workspaceLayout';
import { UsageError } from './args';

/** Options shared by the commands that talk to a remote. */
export const REMOTE_OPTIONS = {
  remote: { type: 'string' },
  workspace: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const REMOTE_USAGE = `  --remote URL      s3://bucket/prefix or file:///path (default: "remote" in the workspace's
                    .sidelight/config.json, whose "s3" block also sets region, profile, endpoint, sse)
  --json            machine-readable output (one JSON object per line)

S3 credentials come from the standard AWS chain (environment, shared config/credentials files, SSO,
AWS_PROFILE); an S3-compatible endpoint from the config or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL.`;

/**
 * The AWS SDK warns on every run under Node 20 that its releases after January 2027 will need Node 22.
 * Useful to a developer, noise in a CI log of `sidelight sync`: the SDK documents this variable to turn it
 * off (aws/aws-sdk-js-v3#7983). A value the user set is respected. Only the CLI does this; it must run
 * before the first S3 client is created.
 */
export function quietAwsSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * The remote to use: `--remote` (with the workspace's `s3` options when a workspace is given), else the
 * workspace's config.json. A usage error when there is none.
 */
export async function openCliRemote(values: { remote?: string; workspace?: string }): Promise<Remote> {
  quietAwsSdkNodeWarning();
  if (values.workspace) {
    const ws = path.resolve(values.workspace);
    await checkWorkspaceDir(values.workspace);
    const remote = await resolveRemote(ws, { override: values.remote });
    if (!remote) throw new UsageError(`no remote: ${workspacePath(values.workspace, CONFIG_FILE)} has no "remote"; pass --remote URL`);
    return remote;
  }
  if (!values.remote) throw new UsageError('give --remote URL or --workspace DIR (whose .sidelight/config.json names the remote)');
  // Without a workspace: no config.json to read S3 options from (the AWS environment still applies), and a
  // relative file: URL is relative to the current folder.
  const remote = openRemote(values.remote, {}, process.cwd());
  await checkFolderRemote(remote);
  return remote;
}

/** A mistyped `--workspace` is an error, not a new workspace (a pull would create it and pin a model there). */
async function checkWorkspaceDir(dir: string): Promise<void> {
  if (!(await isDirectory(dir))) throw new UsageError(`--workspace ${dir}: no such folder`);
}

/** The `--workspace DIR` that sync and status require, with no stray arguments. */
export function requireWorkspace(values: { workspace?: string }, positionals: string[]): string {
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.workspace) throw new UsageError('--workspace DIR is required');
  return path.resolve(values.workspace);
}
