import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fillCharIds } from '../../../src/core/model/charIds';
import { parseConfig } from '../../../src/core/model/config';
import { ModelRunner } from '../../../src/core/model/runner';
import { Span } from '../../../src/core/span';
import { ECHO_ARGMAX, ECHO_CRF, FIXTURES, ROOT } from './fixtures';

const brief = (spans: Span[]) => spans.map((s) => [s.label, s.start, s.end, s.text]);

/** A note of about 100,000 characters, CRLF line endings, with a drug on its very last line. */
function longNote(): string {
  const lines: string[] = [];
  let n = 0;
  while (n < 100_000) {
    const l = `Line ${lines.length}: the patient had a mild rash, café au lait 😀 and nausea.`;
    lines.push(l);
    n += l.length + 2;
  }
  lines.push('Last line: ibuprofen');
  return lines.join('\r\n');
}

for (const [name, dir] of [
  ['argmax', ECHO_ARGMAX],
  ['crf + char_ids, padding false', ECHO_CRF],
] as const) {
  test(`echo model (${name}): exact spans on CRLF, accents and emoji`, async () => {
    const r = await ModelRunner.load(dir);
    try {
      const text = 'Rash caused by amoxicillin.\r\nThe patient had severe headache and nausea 😀 café naïve';
      assert.deepEqual(brief(await r.predict(text)), [
        ['ADE', 0, 4, 'Rash'],
        ['DRUG', 15, 26, 'amoxicillin'],
        ['ADE', 45, 60, 'severe headache'],
        ['ADE', 65, 71, 'nausea'],
        ['DRUG', 72, 74, '😀'],
        ['ADE', 75, 85, 'café naïve'],
      ]);
      for (const s of await r.predict(text)) assert.ok((s.score as number) > 0.9 && (s.score as number) <= 1);
    } finally {
      await r.dispose();
    }
  });

  test(`echo model (${name}): a 100,000-character note gets predictions to its last line`, async () => {
    const r = await ModelRunner.load(dir);
    try {
      const text = longNote();
      assert.ok(text.length > 100_000);
      const spans = await r.predict(text);
      const lines = text.split('\r\n').length;
      // Every line has its rash and nausea, and the last line its drug: no window dropped anything.
      assert.equal(spans.filter((s) => s.text === 'rash').length, lines - 1);
      assert.equal(spans.filter((s) => s.text === 'nausea').length, lines - 1);
      const last = spans[spans.length - 1];
      assert.deepEqual([last.label, last.text, last.end], ['DRUG', 'ibuprofen', text.length]);
      for (const s of spans) assert.equal(text.slice(s.start, s.end), s.text);
    } finally {
      await r.dispose();
    }
  });
}

test('predictBatch equals predict per note; threshold filters; an aborted signal stops the run', async () => {
  const r = await ModelRunner.load(ECHO_ARGMAX);
  try {
    const notes = ['rash', '', 'severe headache after ibuprofen and the rash', '   ', 'amoxicillin '.repeat(50)];
    const batch = await r.predictBatch(notes);
    for (let i = 0; i < notes.length; i++) assert.deepEqual(batch[i], await r.predict(notes[i]));
    assert.deepEqual(batch[1], []);
    assert.equal(batch[4].length, 50);
    assert.deepEqual(await r.predict('rash', { threshold: 0.9999 }), []);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(r.predict('rash', { signal: ac.signal }), { name: 'AbortError' });
    const late = new AbortController();
    let batches = 0;
    await assert.rejects(
      r.predict(longNote(), {
        signal: late.signal,
        onProgress: () => {
          if (++batches === 2) late.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(batches, 2, 'stopped at the first batch boundary after the abort');
  } finally {
    await r.dispose();
  }
});

test('char_ids: original characters (case kept), alphabet ids + 2, unknown and padding ids', () => {
  const cfg = parseConfig(
    { id2label: { 0: 'O' }, inputs: { char_ids: { type: 'char_ids', max_word_length: 4, alphabet: 'abR', pad_id: 0, unk_id: 1 } } },
    'config.json',
  );
  const spec = cfg.inputs.char_ids;
  const out = new Int32Array(3 * 4).fill(0);
  const text = 'Rab😀 abba';
  fillCharIds(out, 0, spec, text, [0, 5]);
  fillCharIds(out, 1, spec, text, [6, 10]);
  assert.deepEqual([...out], [4, 2, 3, 1, 2, 3, 3, 2, 0, 0, 0, 0]);
});

/** The Optimum-format fixtures (tiny BERT, HF input/output names), with and without token_type_ids. */
for (const fixture of ['optimum-bert', 'optimum-bert-no-tti']) {
  const dir = path.join(FIXTURES, fixture);
  test(`Optimum export ${fixture} loads unchanged and predicts spans at word boundaries`, async (t) => {
    if (!existsSync(path.join(dir, 'model.onnx'))) {
      t.skip(`${fixture} not built yet`);
      return;
    }
    const r = await ModelRunner.load(dir);
    try {
      assert.deepEqual(
        [...r.inputNames].sort(),
        fixture === 'optimum-bert' ? ['attention_mask', 'input_ids', 'token_type_ids'] : ['attention_mask', 'input_ids'],
      );
      const text = 'Rash caused by amoxicillin.\r\nSevere nausea after ibuprofen 😀. ' + 'The patient was stable. '.repeat(200);
      const spans = await r.predict(text);
      for (const s of spans) {
        assert.equal(text.slice(s.start, s.end), s.text);
        assert.ok(!/^[\p{L}\p{N}]/u.test(text.slice(s.start - 1, s.start)) || s.start === 0, 'does not start inside a word');
        assert.ok(!/^[\p{L}\p{N}]/u.test(text.slice(s.end, s.end + 1)), 'does not end inside a word');
        assert.ok(r.labels.includes(s.label));
      }
      // Batched with a shorter note (so padded): same spans; scores equal up to float rounding.
      const [batched, short] = await r.predictBatch([text, 'Rash caused by amoxicillin.']);
      assert.deepEqual(brief(batched), brief(spans));
      assert.deepEqual(brief(short), brief(await r.predict('Rash caused by amoxicillin.')));
      batched.forEach((s, i) => assert.ok(Math.abs((s.score as number) - (spans[i].score as number)) < 1e-4));
      assert.deepEqual(r.bundle.verified, true);
      assert.equal(r.bundle.config.maxLength, 128, 'max_position_embeddings is the window size');
    } finally {
      await r.dispose();
    }
  });
}

/**
 * The trained default model on a dev sentence it gets right with high confidence (0.98 / 0.999). The issue's
 * example "Rash caused by amoxicillin." is missed entirely by the 2026.11.26-0453 bundle (no span at all),
 * so it is not asserted here.
 */
/** Runs `fn` with the embedded default model loaded (skipped in a checkout where it is not trained yet). */
async function withDefaultModel(t: TestContext, fn: (r: ModelRunner, dir: string) => Promise<void>): Promise<void> {
  const dir = path.join(ROOT, 'models', 'default');
  if (!existsSync(path.join(dir, 'model.onnx'))) {
    t.skip('models/default not trained yet');
    return;
  }
  const r = await ModelRunner.load(dir);
  try {
    await fn(r, dir);
  } finally {
    await r.dispose();
  }
}

test('the embedded default model finds the ADE and the drug at exact offsets', (t) =>
  withDefaultModel(t, async (r, dir) => {
    assert.equal(r.verified, true);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).name, r.name);
    assert.deepEqual(r.labels, ['ADE', 'DRUG']);
    const text = 'Visual hallucinations associated with zonisamide.';
    assert.deepEqual(brief(await r.predict(text)), [
      ['ADE', 0, 21, 'Visual hallucinations'],
      ['DRUG', 38, 48, 'zonisamide'],
    ]);
    // The same sentence inside a CRLF note, after an emoji and accents: same spans, shifted.
    const prefix = 'Café visit 😀 today.\r\n';
    assert.deepEqual(brief(await r.predict(prefix + text)).slice(-2), [
      ['ADE', prefix.length, prefix.length + 21, 'Visual hallucinations'],
      ['DRUG', prefix.length + 38, prefix.length + 48, 'zonisamide'],
    ]);
  }));

/**
 * The context post-step through the real runner and the real default model, on a real allergy line of a
 * notes TRAIN note (neurology--arm-pain-neuro-consult-2972; gold ADEs "feel warm" 75–84 and "itchy" 89–94
 * in this excerpt). The model learned this line in training and finds both effects itself, so a threshold
 * between its ADE and DRUG scores takes its ADEs away: what comes back must be the cue rules' work
 * ("amoxicillin cause him to feel warm and itchy"), at the guideline's offsets, and only with the post-step.
 */
test('the default model with the context post-step: an allergy line names its reactions at exact offsets', (t) =>
  withDefaultModel(t, async (r) => {
    const text = 'ALLERGIES:\nHe states that Dyazide, Zithromax, and amoxicillin cause him to feel warm and itchy.\n';
    const gold = [
      ['ADE', 75, 84, 'feel warm'],
      ['ADE', 89, 94, 'itchy'],
    ];
    const raw = await r.predict(text, { contextFilter: false });
    const score = (label: string) => raw.filter((s) => s.label === label).map((s) => s.score ?? 0);
    assert.deepEqual(brief(raw.filter((s) => s.label === 'DRUG')).map((b) => b[3]), ['Dyazide', 'Zithromax', 'amoxicillin']);
    assert.ok(Math.max(...score('ADE')) < Math.min(...score('DRUG')), 'the model is more sure of the drugs than of the effects');
    const threshold = (Math.max(...score('ADE')) + Math.min(...score('DRUG'))) / 2;

    const bare = await r.predict(text, { threshold, contextFilter: false });
    assert.deepEqual(bare.filter((s) => s.label === 'ADE'), []);
    const withRules = await r.predict(text, { threshold });
    assert.deepEqual(brief(withRules.filter((s) => s.label === 'ADE')), gold);
    assert.deepEqual(brief(withRules.filter((s) => s.label === 'DRUG')), brief(bare), 'DRUG spans are not changed');
    // Without a threshold the model's own spans win: the post-step adds nothing next to them.
    assert.deepEqual(brief((await r.predict(text)).filter((s) => s.label === 'ADE')), gold);
  }));
