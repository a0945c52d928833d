import { ConflictScanner } from '../core/sync/openConflicts';
import { SyncEngine } from '../core/sync/syncEngine';
import { pendingOf } from '../core/sync/syncReport';
import { CliIO, Command, parseCommandArgs } from './args';
import { openCliRemote, REMOTE_OPTIONS, REMOTE_USAGE, requireWorkspace } from './remoteOption';

const USAGE = `Usage: sidelight status --workspace DIR [--remote URL] [--json]

What \`sidelight sync\` would move, without moving anything (one listing of the remote and local hashing),
and the conflicts waiting for a person.

  --workspace DIR   the workspace folder (holding .sidelight/)
${REMOTE_USAGE}
                    With --json: one line {"toPush":[keys],"toPull":[…],"toMerge":[…],"toDelete":[…],
                    "notesToPull":[…],"labelsConflictOpen":bool,"modelMissing":bool,"conflicts":N,"errors":[…]}

Exit code 0, or 1 when the remote or a file could not be read (named on stderr).`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'show what a sync would push and pull, and the open conflicts',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, REMOTE_OPTIONS);
    const workspaceDir = requireWorkspace(values, positionals);
    const remote = await openCliRemote(values);
    try {
      const status = await new SyncEngine().status({ workspaceDir, remote, signal: io.signal });
      const conflicts = await new ConflictScanner(workspaceDir).scan();
      const errors = [...status.errors, ...conflicts.errors];
      for (const e of errors) io.stderr.write(`sidelight status: error: ${e}\n`);
      if (values.json) {
        io.stdout.write(JSON.stringify({ ...status, conflicts: conflicts.count, errors }) + '\n');
        return errors.length ? 1 : 0;
      }
      const p = pendingOf(status);
      io.stdout.write(`remote: ${remote.url}\n`);
      const list = (title: string, keys: string[]) => {
        if (!keys.length) return;
        io.stdout.write(`${title} (${keys.length}):\n${keys.map((k) => `  ${k}\n`).join('')}`);
      };
      list('to push', status.toPush);
      list('to pull', status.toPull);
      list('changed on both sides, to merge', status.toMerge);
      list('deleted here, tombstones to push', status.toDelete);
      list('notes to pull', status.notesToPull);
      if (status.modelMissing) io.stdout.write('the pinned model (.sidelight/model.lock) is missing here: a sync fetches it\n');
      for (const s of conflicts.spans) {
        io.stdout.write(`conflict: ${s.note} ${s.start}-${s.end} ${s.label} ${JSON.stringify(s.text)} (${s.remoteCopy ? 'remote version' : 'local version'} ${s.id})\n`);
      }
      if (status.labelsConflictOpen) io.stdout.write('conflict: labels.json — reconcile with .sidelight/labels.remote.json, then delete that file\n');
      io.stdout.write(`status: ↑${p.up} ↓${p.down}${p.merge ? ` (${p.merge} to merge)` : ''}, ${conflicts.count} open conflict${conflicts.count === 1 ? '' : 's'}\n`);
      return errors.length ? 1 : 0;
    } finally {
      remote.close();
    }
  },
};
