import * as path from 'node:path';
import { errorMessage } from '../core/errors';
import { readModelLock } from '../core/model/modelLock';
import { listModels, pullModel, pushModel, type ModelProgress } from '../core/sync/modelArtifacts';
import { SyncCancelledError } from '../core/sync/remote';
import { CliIO, Command, parseCommandArgs, UsageError } from './args';
import { ProgressBar } from './progress';
import { openCliRemote, REMOTE_OPTIONS, REMOTE_USAGE } from './remoteOption';

const USAGE = `Usage: sidelight model push DIR [--remote URL | --workspace DIR] [--json]
       sidelight model pull NAME[@VERSION] --workspace DIR [--remote URL] [--json]
       sidelight model list [--remote URL | --workspace DIR] [--json]

Versioned model bundles on the remote (models/<name>/<version>/, immutable; models/<name>/LATEST).

  push DIR          uploads the bundle folder DIR (model.onnx, tokenizer.json, config.json, manifest.json)
                    after checking its files against manifest.json; refuses to overwrite an existing
                    version with different content; resumes an interrupted push; then points LATEST at it
  pull NAME[@VER]   downloads NAME@VER (default: LATEST) into .sidelight/models/NAME/VER of the workspace,
                    verifies every file's size and sha256, then pins it in .sidelight/model.lock.
                    Rolling back = pulling an older version. A version already pinned or installed
                    here is never replaced by a different manifest.json from the remote (refused).
  list              the versions of each model, LATEST marked, and the workspace's pinned one
                    (a model whose LATEST cannot be read is still listed, the problem on stderr, exit 1)
  --workspace DIR   the workspace (its .sidelight/config.json names the remote)
${REMOTE_USAGE}

Exit code 0, 1 when the transfer failed or a file did not verify (nothing is pinned then), 130 cancelled.`;

const MB = 1024 * 1024;

function byteProgress(io: CliIO): { onProgress: (p: ModelProgress) => void; finish: () => void } {
  let bar: ProgressBar | undefined;
  return {
    onProgress(p) {
      bar ??= new ProgressBar(io.stderr, Math.ceil(p.total / MB), 'MiB');
      bar.update(Math.floor(p.loaded / MB));
    },
    finish: () => bar?.finish(),
  };
}

/** `NAME`, `NAME@VERSION`, `NAME@latest`. */
export function parseModelRef(ref: string): { name: string; version: string | 'latest' } {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? 'latest' : ref.slice(at + 1);
  if (!name || !version) throw new UsageError(`expected NAME or NAME@VERSION, got ${JSON.stringify(ref)}`);
  return { name, version: version.toLowerCase() === 'latest' ? 'latest' : version };
}

type Values = { remote?: string; workspace?: string; json?: boolean };

async function push(dir: string | undefined, values: Values, io: CliIO): Promise<number> {
  if (!dir) throw new UsageError('model push needs the bundle folder: sidelight model push DIR');
  const remote = await openCliRemote(values);
  const progress = byteProgress(io);
  try {
    io.stderr.write(`sidelight model push: ${dir} → ${remote.url}\n`);
    const r = await pushModel(path.resolve(dir), remote, { signal: io.signal, onProgress: progress.onProgress });
    progress.finish();
    if (values.json) io.stdout.write(JSON.stringify(r) + '\n');
    else if (r.alreadyPublished) io.stdout.write(`${r.name}@${r.version} is already on ${remote.url} with the same content: nothing to do\n`);
    else io.stdout.write(`pushed ${r.name}@${r.version} (${r.uploaded.length} uploaded, ${r.skipped.length} already there); LATEST → ${r.version}\n`);
    return 0;
  } finally {
    progress.finish();
    remote.close();
  }
}

async function pull(ref: string | undefined, values: Values, io: CliIO): Promise<number> {
  if (!ref) throw new UsageError('model pull needs a model: sidelight model pull NAME[@VERSION] --workspace DIR');
  if (!values.workspace) throw new UsageError('model pull needs --workspace DIR (the model is pinned in its .sidelight/model.lock)');
  const { name, version } = parseModelRef(ref);
  const remote = await openCliRemote(values);
  const progress = byteProgress(io);
  try {
    io.stderr.write(`sidelight model pull: ${name}@${version} from ${remote.url}\n`);
    const r = await pullModel(name, version, path.resolve(values.workspace), remote, { signal: io.signal, onProgress: progress.onProgress });
    progress.finish();
    if (values.json) io.stdout.write(JSON.stringify({ name: r.name, version: r.version, manifestSha256: r.manifestSha256, downloaded: r.downloaded, reused: r.reused, ...(r.previous ? { previous: r.previous } : {}) }) + '\n');
    else {
      io.stdout.write(`verified ${r.name}@${r.version} (${r.downloaded.length} downloaded, ${r.reused.length} reused) in ${path.relative(process.cwd(), r.dir) || r.dir}\n`);
      io.stdout.write(`pinned ${r.name}@${r.version} in .sidelight/model.lock${r.previous ? ` (was ${r.previous.name}@${r.previous.version})` : ''}\n`);
    }
    return 0;
  } finally {
    progress.finish();
    remote.close();
  }
}

async function list(values: Values, io: CliIO): Promise<number> {
  const remote = await openCliRemote(values);
  try {
    const models = await listModels(remote, { signal: io.signal });
    const pinned = values.workspace ? await readModelLock(path.resolve(values.workspace)) : undefined;
    if (values.json) {
      io.stdout.write(JSON.stringify({ remote: remote.url, models, ...(pinned ? { pinned } : {}) }) + '\n');
      return models.some((m) => m.latestError) ? 1 : 0;
    }
    if (!models.length) io.stdout.write(`no models on ${remote.url}\n`);
    for (const m of models) {
      io.stdout.write(`${m.name}\n`);
      for (const v of m.versions) {
        const marks = [m.latest?.version === v ? 'LATEST' : '', pinned?.name === m.name && pinned.version === v ? 'pinned' : ''].filter(Boolean);
        io.stdout.write(`  ${v}${marks.length ? `  (${marks.join(', ')})` : ''}\n`);
      }
      if (m.latest && !m.versions.includes(m.latest.version)) io.stdout.write(`  LATEST names ${m.latest.version}, which has no manifest.json on the remote\n`);
      if (m.latestError) io.stderr.write(`sidelight model list: ${m.name}: LATEST cannot be read: ${m.latestError}\n`);
    }
    if (pinned && !models.some((m) => m.name === pinned.name && m.versions.includes(pinned.version))) {
      io.stdout.write(`pinned ${pinned.name}@${pinned.version} is not on ${remote.url}\n`);
    }
    return models.some((m) => m.latestError) ? 1 : 0;
  } finally {
    remote.close();
  }
}

export const modelCommand: Command = {
  name: 'model',
  summary: 'push, pull (pin) and list versioned model bundles on the remote',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, REMOTE_OPTIONS);
    const [sub, arg, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    try {
      if (sub === 'push') return await push(arg, values, io);
      if (sub === 'pull') return await pull(arg, values, io);
      if (sub === 'list') {
        if (arg !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
        return await list(values, io);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if (e instanceof SyncCancelledError || io.signal.aborted) {
        io.stderr.write(`sidelight model ${sub}: cancelled; run it again to resume (a pull pins nothing until every file is verified)\n`);
        return 130;
      }
      io.stderr.write(`sidelight model ${sub}: ${errorMessage(e)}\n`);
      return 1;
    }
    throw new UsageError(sub === undefined ? 'give a subcommand: push, pull or list' : `unknown subcommand ${JSON.stringify(sub)} (push, pull or list)`);
  },
};
