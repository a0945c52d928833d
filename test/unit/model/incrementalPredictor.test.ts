import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncrementalPredictor, splitIntoChunks } from '../../../src/core/model/incrementalPredictor';
import { Span } from '../../../src/core/span';

/** A stand-in model for the chunking logic only: it labels every "rash" as ADE and counts the texts it sees. */
class RashModel {
  seen: string[] = [];
  async predictBatch(texts: string[]): Promise<Span[][]> {
    this.seen.push(...texts);
    return texts.map((t) => [...t.matchAll(/rash/g)].map((m) => ({ label: 'ADE', start: m.index!, end: m.index! + 4, text: 'rash', score: 0.9 })));
  }
}

function note(paragraphs: number): string {
  return Array.from({ length: paragraphs }, (_, i) => `Paragraph ${i}: the patient developed a rash after amoxicillin.\nSecond line ${i}.`).join('\n\n');
}

test('chunks cover the note exactly, in order, cut after blank lines', () => {
  const text = note(200);
  const chunks = splitIntoChunks(text, 500);
  assert.ok(chunks.length > 5);
  assert.equal(chunks[0].start, 0);
  assert.equal(chunks[chunks.length - 1].end, text.length);
  for (let i = 1; i < chunks.length; i++) {
    assert.equal(chunks[i].start, chunks[i - 1].end);
    assert.match(text.slice(0, chunks[i].start), /\n\n$/, 'each cut follows a blank line');
  }
});

test('a note with no blank line is still cut, never inside a surrogate pair', () => {
  const text = 'word 😀 '.repeat(5000);
  const chunks = splitIntoChunks(text, 300);
  assert.ok(chunks.length > 10);
  assert.equal(chunks.map((c) => text.slice(c.start, c.end)).join(''), text);
  for (const c of chunks) {
    const code = text.charCodeAt(c.start);
    assert.ok(!(code >= 0xdc00 && code <= 0xdfff), `chunk at ${c.start} starts with a low surrogate`);
  }
});

test('spans come back at note offsets and an edit re-predicts only its chunk', async () => {
  const model = new RashModel();
  const predictor = new IncrementalPredictor(model, 100, 500);
  const text = note(100);
  const first = await predictor.predict(text);
  assert.equal(first.spans.length, 100);
  for (const s of first.spans) assert.equal(text.slice(s.start, s.end), 'rash');
  const before = model.seen.length;
  const edited = text.replace('Paragraph 50:', 'Paragraph 50 (edited):');
  const second = await predictor.predict(edited);
  assert.equal(second.predictedChunks, 1);
  assert.equal(model.seen.length - before, 1);
  assert.equal(second.spans.length, 100);
  for (const s of second.spans) assert.equal(edited.slice(s.start, s.end), 'rash');
});

test('an aborted signal is passed to the model', async () => {
  let got: AbortSignal | undefined;
  const predictor = new IncrementalPredictor({
    async predictBatch(texts, options) {
      got = options.signal;
      options.signal?.throwIfAborted();
      return texts.map(() => []);
    },
  });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(predictor.predict('some text', ac.signal));
  assert.equal(got, ac.signal);
});

/** A model whose calls wait until released, so that two predictions can overlap on purpose. */
class GatedModel {
  calls: string[][] = [];
  private gates: (() => void)[] = [];
  async predictBatch(texts: string[], options: { signal?: AbortSignal }): Promise<Span[][]> {
    this.calls.push(texts);
    await new Promise<void>((resolve, reject) => {
      this.gates.push(resolve);
      options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
    });
    return texts.map((t) => [...t.matchAll(/rash/g)].map((m) => ({ label: 'ADE', start: m.index!, end: m.index! + 4, text: 'rash', score: 0.9 })));
  }
  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

test('two predictions of the same note at once send its chunks to the model once', async () => {
  const model = new GatedModel();
  const predictor = new IncrementalPredictor(model, undefined, 500);
  const text = note(30);
  const first = predictor.predict(text);
  const second = predictor.predict(text);
  await new Promise((r) => setImmediate(r));
  model.release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(model.calls.length, 1, 'one model call');
  assert.deepEqual(b.spans, a.spans);
  assert.equal(a.spans.length, 30);
  assert.equal(b.predictedChunks, 0, 'the second call waited for the first');
});

test('when the call that owns a chunk is cancelled, another waiting for it predicts it itself', async () => {
  const model = new GatedModel();
  const predictor = new IncrementalPredictor(model, undefined, 500);
  const text = note(10);
  const owner = new AbortController();
  const first = predictor.predict(text, owner.signal);
  const second = predictor.predict(text);
  await new Promise((r) => setImmediate(r));
  owner.abort(new Error('stale'));
  await assert.rejects(first, /stale/);
  await new Promise((r) => setImmediate(r));
  assert.equal(model.calls.length, 2, 'the waiter made its own call');
  model.release();
  const b = await second;
  assert.equal(b.spans.length, 10);
  assert.ok(b.predictedChunks > 0);
});

test('a cancelled waiter rejects (once the call it waits for ends) and the owner still completes', async () => {
  const model = new GatedModel();
  const predictor = new IncrementalPredictor(model, undefined, 500);
  const text = note(10);
  const first = predictor.predict(text);
  const waiter = new AbortController();
  const second = predictor.predict(text, waiter.signal);
  await new Promise((r) => setImmediate(r));
  waiter.abort(new Error('closed'));
  model.release();
  assert.equal((await first).spans.length, 10);
  await assert.rejects(second, /closed/);
});
