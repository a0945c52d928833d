import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorMessage, InputError } from '../core/errors';
import { formatRow, parseJsonl, readJsonl } from '../core/jsonl';
import { stripBom } from '../core/annotations/noteFiles';
import { InterchangeRow } from '../core/span';
import { CliIO, Command, numberOption, parseCommandArgs, UsageError } from './args';
import { describeModel, loadModel, MODEL_OPTIONS, MODEL_USAGE } from './modelOption';
import { ProgressBar } from './progress';

const USAGE = `Usage: sidelight predict [--model DIR | --workspace DIR] [--threshold X] FILE…
       sidelight predict [--model DIR | --workspace DIR] [--threshold X] --jsonl FILE

Predicts side effects (and drugs) and writes one interchange JSONL row per input on stdout:
{"file"|"id", "text", "spans": [{"label", "start", "end", "text", "score"}]} (UTF-16 offsets, end exclusive).

  FILE…             text notes; "file" in the output is the path as given (relative to --workspace if set)
  --jsonl FILE      rows with "id" or "file" and "text" (interchange JSONL); "-" reads stdin
  --threshold X     drop spans scoring below X (0–1, default 0)
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
    });
    const threshold = numberOption(values.threshold, 'threshold', 0, 1);
    if (values.jsonl !== undefined && positionals.length) throw new UsageError('give either --jsonl FILE or text FILEs, not both');
    if (values.jsonl === undefined && !positionals.length) throw new UsageError('no input: give text FILEs or --jsonl FILE');

    let failed = false;
    const report = (e: unknown): void => {
      failed = true;
      io.stderr.write(`sidelight predict: ${errorMessage(e)}\n`);
    };

    const jobs: Job[] = [];
    if (values.jsonl !== undefined) {
      try {
        const parsed = values.jsonl === '-' ? parseJsonl(await readStdin(), '<stdin>') : await readJsonl(values.jsonl);
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
      ({ runner } = await loadModel(values));
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
              // Without a byte order mark, as the editor (and import) count offsets.
              const text = stripBom(await fs.readFile(job.file as string, 'utf8'));
              return { file: job.outName, text, spans: [] };
            } catch (e) {
              const code = (e as NodeJS.ErrnoException).code;
              bar.finish();
              report(new InputError(job.source, code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder, not a text file' : `cannot be read (${errorMessage(e)})`));
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
