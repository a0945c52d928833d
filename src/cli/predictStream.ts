import * as readline from 'node:readline';
import { errorMessage } from '../core/errors';
import { formatRow, parseJsonl } from '../core/jsonl';
import type { ModelRunner, PredictOptions } from '../core/model/runner';
import type { InterchangeRow } from '../core/span';

/**
 * `sidelight predict --jsonl -`: a long-lived filter for pipelines (the Spark job pipes a whole partition
 * through one process: docs/spark.md). One row in, one row out, in input order, each written as soon as it
 * is predicted, so a consumer can pair them by position and never waits for the end of the input.
 *
 * - Rows already waiting on stdin (up to CHUNK) are predicted together in one `predictBatch`, as the file
 *   mode does: a pipe fed by a writer thread keeps several rows waiting, so throughput matches the batch
 *   mode, while a single interactive row is answered at once (nothing waits for a batch to fill).
 * - A bad row (not JSON, no text, no id) gets an error row `{"id"?, "file"?, "line", "error"}` in its place
 *   and the stream goes on; so does a row the model fails on (the batch is retried row by row so that only
 *   the culprit fails). Blank lines are not rows: they get nothing back.
 * - Reading pauses while MAX_PENDING rows wait, so a fast writer is held back by the pipe instead of the
 *   whole input landing in memory.
 * - The exit code is 1 when any row failed, 0 otherwise.
 */

const CHUNK = 8;
const MAX_PENDING = 64;

export interface StreamResult {
  rows: number;
  failed: number;
}

/** The error row written in place of a row that could not be predicted. */
export function errorRow(line: number, message: string, names: { id?: string; file?: string } = {}): string {
  const out: Record<string, unknown> = {};
  if (names.id !== undefined) out.id = names.id;
  if (names.file !== undefined) out.file = names.file;
  out.line = line;
  out.error = message;
  return JSON.stringify(out);
}

/** The id/file of a line that parsed as JSON but failed validation, so its error row can still be paired. */
function namesOf(raw: string): { id?: string; file?: string } {
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const o = v as Record<string, unknown>;
    const names: { id?: string; file?: string } = {};
    if (typeof o.id === 'string' || typeof o.id === 'number') names.id = String(o.id);
    if (typeof o.file === 'string') names.file = o.file;
    return names;
  } catch {
    return {};
  }
}

type Parsed = { ok: true; line: number; row: InterchangeRow } | { ok: false; line: number; error: string; raw: string };

interface Pending {
  line: number;
  raw: string;
}

export async function predictStream(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  runner: ModelRunner,
  options: PredictOptions & { onError?: (message: string) => void },
): Promise<StreamResult> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  const pending: Pending[] = [];
  let lineNo = 0;
  let ended = false;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  rl.on('line', (raw) => {
    lineNo++;
    if (!raw.trim()) return;
    pending.push({ line: lineNo, raw });
    if (pending.length >= MAX_PENDING && !paused) {
      paused = true;
      rl.pause();
    }
    notify();
  });
  rl.on('close', () => {
    ended = true;
    notify();
  });

  // A consumer that closed its end (EPIPE) ends the run: nothing more can be delivered.
  let outputError: Error | undefined;
  output.on('error', (e: Error) => {
    outputError = e;
    notify();
  });
  const write = async (line: string): Promise<void> => {
    if (outputError) throw outputError;
    if (!output.write(line + '\n')) await new Promise<void>((resolve) => {
      const done = (): void => {
        output.off('drain', done);
        output.off('error', done);
        resolve();
      };
      output.once('drain', done);
      output.once('error', done);
    });
  };

  const result: StreamResult = { rows: 0, failed: 0 };
  const fail = (line: number, message: string, names: { id?: string; file?: string }): string => {
    result.failed++;
    options.onError?.(`<stdin>:${line}${names.id !== undefined ? ` (id ${JSON.stringify(names.id)})` : ''}: ${message}`);
    return errorRow(line, message, names);
  };

  try {
    for (;;) {
      options.signal?.throwIfAborted();
      if (outputError) throw outputError;
      if (!pending.length) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const chunk = pending.splice(0, CHUNK);
      if (paused && pending.length < MAX_PENDING / 2) {
        paused = false;
        rl.resume();
      }
      // Parse each line on its own: a bad line must not take its neighbours with it.
      const parsed = chunk.map((p): Parsed => {
        const r = parseJsonl(p.raw, '<stdin>');
        return r.rows.length ? { ok: true, line: p.line, row: { ...r.rows[0].row, spans: [] } } : { ok: false, line: p.line, error: r.errors[0]?.problem ?? 'not a row', raw: p.raw };
      });
      const good = parsed.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
      const spans = new Map<number, InterchangeRow['spans'] | Error>();
      try {
        const batch = await runner.predictBatch(
          good.map((g) => g.row.text),
          options,
        );
        good.forEach((g, k) => spans.set(g.line, batch[k]));
      } catch (e) {
        if (options.signal?.aborted) throw e;
        // One row broke the batch: predict them one by one so that only that row gets an error.
        for (const g of good) {
          try {
            spans.set(g.line, await runner.predict(g.row.text, options));
          } catch (e1) {
            if (options.signal?.aborted) throw e1;
            spans.set(g.line, e1 instanceof Error ? e1 : new Error(String(e1)));
          }
        }
      }
      for (const p of parsed) {
        result.rows++;
        if (!p.ok) {
          await write(fail(p.line, p.error, namesOf(p.raw)));
          continue;
        }
        const s = spans.get(p.line);
        if (s instanceof Error || s === undefined) {
          await write(fail(p.line, s ? `prediction failed: ${errorMessage(s)}` : 'prediction failed', { id: p.row.id, file: p.row.file }));
        } else {
          await write(formatRow({ ...p.row, spans: s }));
        }
      }
    }
  } finally {
    rl.close();
  }
  return result;
}
