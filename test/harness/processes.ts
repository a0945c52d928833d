import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';

/**
 * Starts a server in its own process group so that stopping it kills everything it started (code-server
 * forks its extension host and file watchers) and nothing is left running after a test.
 */
export function spawnGroup(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return spawn(command, args, { ...options, detached: true });
}

export async function stopGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Children that outlived the leader (e.g. a watcher) are still in the group.
  kill('SIGKILL');
}
