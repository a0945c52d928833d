import { execFile } from 'node:child_process';

/**
 * `git config user.name` as seen from `cwd`, or undefined (no git, no name, not a repository, or it took
 * over two seconds): who a label is from when nobody said otherwise, in the editor and the CLI alike.
 */
export function gitUserName(cwd: string): Promise<string | undefined> {
  return new Promise((resolve) =>
    execFile('git', ['config', 'user.name'], { cwd, timeout: 2000 }, (err, out) => resolve(err ? undefined : out.trim() || undefined)),
  );
}
