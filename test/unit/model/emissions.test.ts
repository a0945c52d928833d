import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { viterbi } from '../../../src/core/model/decode';
import { ModelRunner } from '../../../src/core/model/runner';
import { FIXTURES, ROOT } from './fixtures';

interface Case {
  text: string;
  tokens: { id: number; start: number; end: number }[];
  char_ids: number[][];
  logits: number[][];
  tags: number[];
  spans: { label: string; start: number; end: number; text: string }[];
}

/**
 * test/fixtures/emissions-vectors.json (written by training/train.py): for a few texts, the default model's
 * token ids, char_ids, emissions and Viterbi tags computed by torch. The runtime must build the same inputs,
 * get the same emissions from model.onnx, decode the same tags and spans.
 */
test('the default bundle reproduces torch: inputs, emissions, Viterbi tags and spans', async (t) => {
  const file = path.join(FIXTURES, 'emissions-vectors.json');
  const dir = path.join(ROOT, 'models', 'default');
  if (!existsSync(file) || !existsSync(path.join(dir, 'model.onnx'))) {
    t.skip('emissions-vectors.json or models/default not there yet');
    return;
  }
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as { tolerance: number; version: string; cases: Case[] };
  const r = await ModelRunner.load(dir);
  try {
    const decoder = r.bundle.config.decoder;
    assert.equal(decoder.type, 'crf');
    const L = r.bundle.config.id2label.length;
    for (const c of vectors.cases) {
      const enc = r.bundle.tokenizer.encode(c.text, { addSpecialTokens: false });
      assert.deepEqual(
        enc.ids.map((id, i) => ({ id, start: enc.offsets[i][0], end: enc.offsets[i][1] })),
        c.tokens,
        'tokens',
      );
      const [batch] = r.prepareBatchesFor([c.text]);
      assert.deepEqual(
        Array.from(batch.feeds.char_ids.data as BigInt64Array, Number),
        c.char_ids.flat(),
        'char_ids',
      );
      const logits = (await r.sessionRun(batch)).data as Float32Array;
      c.logits.flat().forEach((x, k) => assert.ok(Math.abs(logits[k] - x) <= vectors.tolerance, `logit ${k}: ${logits[k]} vs ${x}`));
      if (decoder.type === 'crf') assert.deepEqual([...viterbi(logits, c.tokens.length, L, decoder)], c.tags, 'Viterbi tags');
      const spans = (await r.predict(c.text)).map(({ label, start, end, text }) => ({ label, start, end, text }));
      assert.deepEqual(spans, c.spans, `spans of ${JSON.stringify(c.text)}`);
    }
  } finally {
    await r.dispose();
  }
});
