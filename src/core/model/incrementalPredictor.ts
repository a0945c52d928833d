import { createHash } from 'node:crypto';
import { Span } from '../span';

/** A piece of a note predicted on its own: cut at paragraph (else line, else space) boundaries. */
export interface Chunk {
  start: number;
  end: number;
  hash: string;
}

/** What the predictor needs of a model: batch prediction with cancellation (ModelRunner has it). */
export interface BatchPredictor {
  predictBatch(texts: string[], options: { signal?: AbortSignal }): Promise<Span[][]>;
}

/**
 * Cuts a note into chunks of about `target` characters at blank lines, so that an edit re-predicts only
 * the chunk it falls in. Sentences do not cross a blank line in notes, so the model loses no context it
 * would use; a paragraph longer than `4 * target` is cut at line breaks, then at spaces.
 */
export function splitIntoChunks(text: string, target = 2000): Chunk[] {
  const cuts: number[] = [0];
  const max = target * 4;
  let last = 0;
  const paragraphEnd = /\n[ \t\r]*\n/g;
  const boundaries: number[] = [];
  for (let m = paragraphEnd.exec(text); m; m = paragraphEnd.exec(text)) boundaries.push(m.index + m[0].length);
  boundaries.push(text.length);
  for (const b of boundaries) {
    if (b - last < target && b !== text.length) continue;
    // The stretch [last, b) is one paragraph run; if too long, cut it further.
    for (const c of cutLong(text, last, b, max)) cuts.push(c);
    last = b;
  }
  const ends = [...new Set(cuts.filter((c) => c > 0 && c <= text.length))].sort((a, b) => a - b);
  if (!ends.length || ends[ends.length - 1] !== text.length) ends.push(text.length);
  const chunks: Chunk[] = [];
  let start = 0;
  for (const end of ends) {
    if (end <= start) continue;
    chunks.push({ start, end, hash: hashText(text.slice(start, end)) });
    start = end;
  }
  return chunks;
}

function cutLong(text: string, from: number, to: number, max: number): number[] {
  const cuts: number[] = [];
  let s = from;
  while (to - s > max) {
    const window = text.slice(s, s + max);
    let at = window.lastIndexOf('\n');
    if (at < max / 4) at = window.lastIndexOf(' ');
    const cut = at < max / 4 ? s + max : s + at + 1;
    // Never cut a UTF-16 surrogate pair in half.
    const safe = isLowSurrogate(text.charCodeAt(cut)) ? cut + 1 : cut;
    cuts.push(safe);
    s = safe;
  }
  cuts.push(to);
  return cuts;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function hashText(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

/**
 * Predicts a note chunk by chunk, caching each chunk's spans by the hash of its text, so that typing in a
 * 100,000-character note re-runs the model on a few thousand characters only.
 */
export class IncrementalPredictor {
  private readonly cache = new Map<string, Span[]>();
  /** Chunks being predicted now, by hash: settles (never rejects) when that model call ends. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly model: BatchPredictor,
    private readonly capacity = 5000,
    private readonly chunkSize = 2000,
    /**
     * Runs on the whole note's spans: context that crosses a chunk boundary (a "REVIEW OF SYSTEMS" header
     * a paragraph above) is seen here, not by the model's per-chunk post-step.
     */
    private readonly postprocess: (text: string, spans: Span[]) => Span[] = (_text, spans) => spans,
  ) {}

  /**
   * Spans of the whole note; only chunks not seen before reach the model, and a chunk another call is
   * already predicting is waited for, not predicted twice (a note predicted as it opens and again when its
   * editor shows). If that other call fails or is cancelled, this one predicts the chunk itself.
   */
  async predict(text: string, signal?: AbortSignal): Promise<{ spans: Span[]; predictedChunks: number; chunks: number }> {
    const chunks = splitIntoChunks(text, this.chunkSize);
    let predictedChunks = 0;
    for (;;) {
      const missing = chunks.filter((c) => !this.cache.has(c.hash));
      const unique = [...new Map(missing.map((c) => [c.hash, c])).values()];
      if (!unique.length) break;
      const theirs = unique.map((c) => this.inFlight.get(c.hash)).filter((p): p is Promise<void> => !!p);
      const mine = unique.filter((c) => !this.inFlight.has(c.hash));
      if (mine.length) {
        const run = this.model.predictBatch(
          mine.map((c) => text.slice(c.start, c.end)),
          { signal },
        );
        const settled = run.then(() => undefined, () => undefined);
        for (const c of mine) this.inFlight.set(c.hash, settled);
        try {
          const results = await run;
          mine.forEach((c, i) => this.remember(c.hash, results[i]));
          predictedChunks += mine.length;
        } finally {
          for (const c of mine) if (this.inFlight.get(c.hash) === settled) this.inFlight.delete(c.hash);
        }
      }
      await Promise.all(theirs);
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    }
    const spans: Span[] = [];
    for (const c of chunks) {
      const local = this.cache.get(c.hash) ?? [];
      this.touch(c.hash, local);
      for (const s of local) spans.push(shift(s, c.start));
    }
    return { spans: this.postprocess(text, spans), predictedChunks, chunks: chunks.length };
  }

  clear(): void {
    this.cache.clear();
  }

  private remember(hash: string, spans: Span[]): void {
    this.cache.set(hash, spans);
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  /** Map insertion order doubles as recency: re-inserting moves the entry to the end. */
  private touch(hash: string, spans: Span[]): void {
    this.cache.delete(hash);
    this.cache.set(hash, spans);
  }
}

function shift(span: Span, by: number): Span {
  const out: Span = { ...span, start: span.start + by, end: span.end + by };
  if (span.fragments) out.fragments = span.fragments.map(([s, e]) => [s + by, e + by]);
  return out;
}
