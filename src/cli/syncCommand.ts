import { errorMessage } from '../core/errors';
import { SyncCancelledError } from '../core/sync/remote';
import { SyncEngine, type SyncProgress } from '../core/sync/syncEngine';
import { describeCounts, describeEvents, syncCounts } from '../core/sync/syncReport';
import { CliIO, Command, parseCommandArgs } from './args';
import { ProgressBar } from './progress';
import { openCliRemote, REMOTE_OPTIONS, REMOTE_USAGE, requireWorkspace } from './remoteOption';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight sync --workspace DIR [--remote URL] [--json]

Syncs the workspace with its remote: annotations (.sidelight/annotations/, both ways, merged per span),
.sidelight/labels.json (both ways), notes from the remote's notes/ (one way), and the model pinned in
.sidelight/model.lock when it is missing here. Spans changed differently on both sides become conflicts:
both versions are kept and flagged "conflict" (docs/sync.md).

  --workspace DIR   the workspace folder (holding .sidelight/)
${REMOTE_USAGE}
                    With --json the last line of stdout is
                    {"pushed":N,"pulled":N,"conflicts":N,"deleted":N,"unchanged":N,"models":N}

Exit code 0 when the sync completed (open conflicts are counted, not failures); 1 when it failed or some
file could not be synced (each one is named on stderr); 130 when cancelled.`;

/** One progress bar per phase of the sync (a terminal only; CI logs get the start and end lines). */
function progressReporter(io: CliIO): { onProgress: (p: SyncProgress) => void; finish: () => void } {
  let bar: ProgressBar | undefined;
  let phase: string | undefined;
  return {
    onProgress(p) {
      if (p.phase !== phase) {
        bar?.finish();
        phase = p.phase;
        bar = new ProgressBar(io.stderr, p.total, p.phase);
      }
      bar?.update(p.done);
    },
    finish: () => bar?.finish(),
  };
}

export const syncCommand: Command = {
  name: 'sync',
  summary: 'sync annotations, labels.json, notes and the pinned model with the remote',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, REMOTE_OPTIONS);
    const workspaceDir = requireWorkspace(values, positionals);
    const remote = await openCliRemote(values);
    io.stderr.write(`sidelight sync: ${values.workspace} ⇄ ${remote.url}\n`);
    const progress = progressReporter(io);
    const started = Date.now();
    try {
      const result = await new SyncEngine().sync({ workspaceDir, remote, signal: io.signal, onProgress: progress.onProgress });
      progress.finish();
      const info = describeEvents(result.events);
      for (const line of info) (values.json ? io.stderr : io.stdout).write(`${line}\n`);
      for (const e of result.errors) io.stderr.write(`sidelight sync: error: ${e}\n`);
      const counts = syncCounts(result);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const summary = `${describeCounts(counts, result.errors.length)}; ${counts.unchanged} unchanged (${secs} s)`;
      if (values.json) {
        io.stderr.write(`sidelight sync: ${summary}\n`);
        io.stdout.write(JSON.stringify(counts) + '\n');
      } else {
        io.stdout.write(`sync: ${summary}\n`);
      }
      if (result.errors.length) {
        io.stderr.write(`sidelight sync: ${count(result.errors.length, 'file')} could not be synced; fix them and run the sync again\n`);
        return 1;
      }
      return 0;
    } catch (e) {
      progress.finish();
      if (e instanceof SyncCancelledError || io.signal.aborted) {
        io.stderr.write('sidelight sync: cancelled; run it again to finish (every file is written whole or not at all)\n');
        return 130;
      }
      io.stderr.write(`sidelight sync: failed: ${errorMessage(e)}\n`);
      return 1;
    } finally {
      remote.close();
    }
  },
};
