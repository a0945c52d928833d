import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { AnnotationSpan, Fragment, makeQuote } from '../../../src/core/annotations/sidecar';
import { seededRandom } from '../../../src/core/seededRandom';

/** A seeded generator, so property tests are reproducible. */
export const prng = seededRandom;

export function randInt(rand: () => number, lo: number, hiExclusive: number): number {
  return lo + Math.floor(rand() * (hiExclusive - lo));
}

let counter = 0;
export function span(text: string, fragments: Fragment[], label = 'ADE', extra: Partial<AnnotationSpan> = {}): AnnotationSpan {
  const t = '2025-01-01T00:00:00.000Z';
  return {
    id: `s${++counter}`,
    label,
    fragments,
    quote: makeQuote(text, fragments),
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'test',
    createdAt: t,
    updatedAt: t,
    ...extra,
  };
}

/** A temp folder, removed after `fn` (even when it throws). */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-ann-'));
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function writeFile(dir: string, rel: string, content: string): Promise<string> {
  const file = path.join(dir, ...rel.split('/'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

/**
 * Stores made in temp workspaces, settled (`settle`: flush them, or dispose) before each workspace is
 * removed. `setup` writes the notes (default `notes`) and makes a store of author "ana"; `track` takes
 * a store made otherwise (another author, a restart) under the same care.
 */
export function storeFixture(options: { saveDelayMs: number; notes: Record<string, string>; settle: (store: AnnotationStore) => Promise<void> | void }) {
  const made: AnnotationStore[] = [];
  const track = (store: AnnotationStore): AnnotationStore => (made.push(store), store);
  return {
    track,
    async setup(ws: string, notes = options.notes): Promise<AnnotationStore> {
      for (const [rel, text] of Object.entries(notes)) await writeFile(ws, rel, text);
      return track(new AnnotationStore(ws, { author: 'ana', saveDelayMs: options.saveDelayMs }));
    },
    withWorkspace(fn: (ws: string) => Promise<void>): Promise<void> {
      return withTempDir(async (ws) => {
        try {
          await fn(ws);
        } finally {
          for (const store of made.splice(0)) await options.settle(store);
        }
      });
    },
  };
}

/** Fixtures live in the source tree (tests run from out/): ../../../../test/fixtures from out/test/unit/annotations. */
export function fixture(...parts: string[]): string {
  return path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', ...parts);
}

/** `at('word')`: the offsets of the first occurrence of a quote in `text` (failing the test when absent). */
export function locator(text: string): (quote: string) => [number, number] {
  return (quote) => {
    const i = text.indexOf(quote);
    assert.ok(i >= 0, quote);
    return [i, i + quote.length];
  };
}
