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
