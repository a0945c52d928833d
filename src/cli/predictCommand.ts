import * as path from 'node:path';
import { errorMessage } from '../core/errors';
import { formatRow, readJsonl } from '../core/jsonl';
import { InterchangeRow } from '../core/span';
import { readNoteFile } from './noteFile';
import { CliIO, Command, numberOption, parseCommandArgs, UsageError } from './args';
import { describeModel, loadModel, MODEL_OPTIONS, MODEL_USAGE } from './modelOption';
import { predictStream } from './predictStream';
import { ProgressBar } from './progress';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight predict [--model DIR | --workspace DIR] [--threshold X] FILE…
       sidelight predict [--model DIR | --workspace DIR] [--threshold X] --jsonl FILE

Predicts side effects (and drugs) and writes one interchange JSONL row per input on stdout:
{"file"|"id", "text", "spans": [{"label", "start", "end", "text", "score"}]} (UTF-16 offsets, end exclusive).

  FILE…             text notes; "file" in the output is the path as given (relative to --workspace if set)
  --jsonl FILE      rows with "id" or "file" and "text" (interchange JSONL)
  --jsonl -         streams: reads rows from stdin and writes each row's prediction as soon as it is made,
                    one row out per row in, in order, the model loaded once. A bad row gets an error row
                    {"id"?, "file"?, "line", "error"} in its place and the stream goes on; exit code 1 if
                    any row failed (docs/spark.md pipes Spark partitions through it)
  --threshold X     drop spans scoring below X (0–1, default 0)
  --threads N       onnxruntime threads (default: all cores). Where several processes share a machine (one
                    per Spark task) give each its share, or they fight over the cores
${MODEL_USAGE}

An input that cannot be read is reported on stderr; the others still run, and the exit code is 1.`;

/** Notes per `predictBatch` call: lets windows of several short notes share one session run. */
const CHUNK = 8;

interface Job {
  /** What to report in errors. */
  source: string;
  row?: InterchangeRow;
  /** For file inputs: read lazily, chunk by chunk, so a large run does not hold every note in memory. */
  file?: string;
  outName?: string;
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict spans in text files or interchange JSONL',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      ...MODEL_OPTIONS,
      threshold: { type: 'string' },
      jsonl: { type: 'string' },
      threads: { type: 'string' },
    });
    const threshold = numberOption(values.threshold, 'threshold', 0, 1);
    const threads = numberOption(values.threads, 'threads', 1, 256);
    if (threads !== undefined && !Number.isInteger(threads)) throw new UsageError('--threads must be a whole number');
    if (values.jsonl !== undefined && positionals.length) throw new UsageError('give either --jsonl FILE or text FILEs, not both');
    if (values.jsonl === undefined && !positionals.length) throw new UsageError('no input: give text FILEs or --jsonl FILE');

    let failed = false;
    const report = (e: unknown): void => {
      failed = true;
      io.stderr.write(`sidelight predict: ${errorMessage(e)}\n`);
    };

    if (values.jsonl === '-') return streamStdin(values, threshold, threads, io);

    const jobs: Job[] = [];
    if (values.jsonl !== undefined) {
      try {
        const parsed = await readJsonl(values.jsonl);
        parsed.errors.forEach(report);
        for (const { row, line } of parsed.rows) jobs.push({ source: `${values.jsonl}:${line}`, row: { ...row, spans: [] } });
      } catch (e) {
        report(e);
        return 1;
      }
    } else {
      const base = values.workspace ? path.resolve(values.workspace) : undefined;
      for (const f of positionals) {
        const abs = path.resolve(f);
        const outName = base ? path.relative(base, abs).split(path.sep).join('/') : f;
        jobs.push({ source: f, file: abs, outName });
      }
    }

    let runner;
    try {
      ({ runner } = await loadModel(values, { threads }));
    } catch (e) {
      report(e);
      return 1;
    }
    io.stderr.write(`sidelight predict: model ${describeModel(runner)}\n`);

    const bar = new ProgressBar(io.stderr, jobs.length, 'notes');
    try {
      for (let i = 0; i < jobs.length; i += CHUNK) {
        const chunk = jobs.slice(i, i + CHUNK);
        const rows: (InterchangeRow | null)[] = await Promise.all(
          chunk.map(async (job) => {
            if (job.row) return job.row;
            try {
              return { file: job.outName, text: await readNoteFile(job.file as string, job.source), spans: [] };
            } catch (e) {
              bar.finish();
              report(e);
              return null;
            }
          }),
        );
        const ok = rows.filter((r): r is InterchangeRow => r !== null);
        const spans = await runner.predictBatch(
          ok.map((r) => r.text),
          { threshold, signal: io.signal, contextFilter: !values['no-context-filter'] },
        );
        ok.forEach((r, k) => io.stdout.write(formatRow({ ...r, spans: spans[k] }) + '\n'));
        bar.update(Math.min(jobs.length, i + CHUNK));
      }
    } catch (e) {
      bar.finish();
      if (io.signal.aborted) {
        io.stderr.write('sidelight predict: cancelled\n');
        return 130;
      }
      throw e;
    } finally {
      bar.finish();
      await runner.dispose();
    }
    return failed ? 1 : 0;
  },
};

/** `--jsonl -`: the streaming filter (predictStream.ts). The model is loaded before the first row is read. */
async function streamStdin(values: { model?: string; workspace?: string; 'no-context-filter'?: boolean }, threshold: number | undefined, threads: number | undefined, io: CliIO): Promise<number> {
  let runner;
  try {
    ({ runner } = await loadModel(values, { threads }));
  } catch (e) {
    io.stderr.write(`sidelight predict: ${errorMessage(e)}\n`);
    return 1;
  }
  io.stderr.write(`sidelight predict: model ${describeModel(runner)}, reading rows from stdin\n`);
  try {
    const r = await predictStream(process.stdin, io.stdout, runner, {
      threshold,
      signal: io.signal,
      contextFilter: !values['no-context-filter'],
      onError: (m) => io.stderr.write(`sidelight predict: ${m}\n`),
    });
    io.stderr.write(`sidelight predict: ${count(r.rows, 'row')}, ${r.failed} failed\n`);
    return r.failed ? 1 : 0;
  } catch (e) {
    if (io.signal.aborted) {
      io.stderr.write('sidelight predict: cancelled\n');
      return 130;
    }
    throw e;
  } finally {
    await runner.dispose();
  }
}
