import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/core/errors';
import { alignedFromOriginal } from '../../../src/core/model/alignedText';
import { createNormalizer } from '../../../src/core/model/normalizers';
import { Encoding, Tokenizer } from '../../../src/core/model/tokenizer';
import { FIXTURES, hasShared, SHARED_DATA } from './fixtures';

type Json = Record<string, unknown>;

const WORDPIECE: Json = JSON.parse(readFileSync(path.join(FIXTURES, 'tokenizer', 'wordpiece-uncased.json'), 'utf8'));

function variant(changes: Json): Json {
  return { ...structuredClone(WORDPIECE), ...changes };
}

/** Texts of the committed sample, plus the shared corpora when ../shared is present. */
function corpusTexts(): { source: string; text: string }[] {
  const out: { source: string; text: string }[] = [];
  for (const l of readFileSync(path.join(FIXTURES, 'tokenizer', 'corpus-sample.jsonl'), 'utf8').split('\n')) {
    if (l.trim()) out.push({ source: 'sample', text: (JSON.parse(l) as { text: string }).text });
  }
  if (hasShared) {
    for (const f of ['ade/dev.jsonl', 'ade/train.jsonl', 'tac2017-adr/sections.jsonl']) {
      const file = path.join(SHARED_DATA, f);
      if (!existsSync(file)) continue;
      // Every third training sentence keeps the suite fast on a shared 2-core machine; dev and TAC whole.
      const lines = readFileSync(file, 'utf8').split('\n').filter((l, i) => l.trim() && (f !== 'ade/train.jsonl' || i % 3 === 0));
      for (const l of lines) out.push({ source: f, text: (JSON.parse(l) as { text: string }).text });
    }
  }
  return out;
}

const texts = corpusTexts();

/** Every non-special token's original slice, normalised, must spell the token (without `##`), or be [UNK]. */
function offsetChecker(json: Json): (text: string, enc: Encoding) => void {
  const vocab = new Map(Object.entries((json.model as Json).vocab as Record<string, number>).map(([k, v]) => [v, k]));
  const norm = createNormalizer(json.normalizer, 'tokenizer.json');
  return (text, enc) => {
    let prevEnd = 0;
    enc.ids.forEach((id, i) => {
      if (enc.specialTokensMask[i]) return;
      const [s, e] = enc.offsets[i];
      if (!(s >= prevEnd && e > s && e <= text.length)) assert.fail(`token ${i} offsets [${s}, ${e}) out of order in ${JSON.stringify(text.slice(0, 80))}`);
      prevEnd = e;
      const token = vocab.get(id) as string;
      if (token === '[UNK]') return;
      const slice = text.slice(s, e);
      const normalised = norm ? norm(alignedFromOriginal(slice)).text.trim() : slice;
      if (normalised !== token.replace(/^##/, '')) assert.fail(`token ${i} ${JSON.stringify(token)} at [${s}, ${e}) is ${JSON.stringify(slice)}`);
    });
  };
}

test('WordPiece (uncased BERT) ids equal tokenizers.js on the corpora, and offsets spell each token', async () => {
  const { Tokenizer: Reference } = await import('@huggingface/tokenizers');
  const ours = Tokenizer.fromJSON(WORDPIECE);
  const ref = new Reference(WORDPIECE, {});
  const check = offsetChecker(WORDPIECE);
  assert.ok(texts.length >= 300);
  for (const { source, text } of texts) {
    const enc = ours.encode(text);
    const expected = ref.encode(text).ids;
    if (enc.ids.length !== expected.length || enc.ids.some((id, i) => id !== expected[i])) {
      assert.deepEqual(enc.ids, expected, `${source}: ${text.slice(0, 80)}`);
    }
    check(text, enc);
  }
});

test('cased WordPiece with the Whitespace pre-tokenizer also matches tokenizers.js', async () => {
  const { Tokenizer: Reference } = await import('@huggingface/tokenizers');
  const json = variant({
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
    pre_tokenizer: { type: 'Whitespace' },
  });
  const ours = Tokenizer.fromJSON(json);
  const ref = new Reference(json, {});
  for (const { text } of texts.slice(0, 400)) assert.deepEqual(ours.encode(text).ids, ref.encode(text).ids);
});

test('token offsets are exact UTF-16 offsets of the original text: CRLF, accents, İ, NFD, emoji, CJK, controls', () => {
  const tok = Tokenizer.fromJSON(WORDPIECE);
  const cases: [string, string[]][] = [
    ['Rash caused by amoxicillin.', ['[CLS]', 'Rash', 'caused', 'by', 'amoxicillin', '.', '[SEP]']],
    ['Nausea\r\nvomiting', ['[CLS]', 'Nausea', 'vomiting', '[SEP]']],
    // Lower-casing 'İ' gives two code units, accent stripping removes some: offsets still cover the originals.
    ['İ', ['[CLS]', 'İ', '[SEP]']],
    ['café', ['[CLS]', 'café', '[SEP]']],
    // An emoji is one [UNK] covering both surrogate halves.
    ['pain 😀 rash', ['[CLS]', 'pain', '😀', 'rash', '[SEP]']],
    // CJK ideographs become words of their own; NUL and zero-width joiners are dropped by clean_text.
    ['头痛 a\u0000b', ['[CLS]', '头', '痛', 'a\u0000b', '[SEP]']],
  ];
  for (const [text, expected] of cases) {
    const enc = tok.encode(text);
    // A word's text runs from its first piece's start to its last piece's end.
    const words: string[] = [];
    const ranges: [number, number][] = [];
    enc.offsets.forEach(([s, e], i) => {
      if (enc.specialTokensMask[i]) {
        words.push(i === 0 ? '[CLS]' : '[SEP]');
        ranges.push([-1, -1]);
      } else if (i > 0 && enc.wordIds[i] === enc.wordIds[i - 1]) {
        ranges[ranges.length - 1][1] = e;
        words[words.length - 1] = text.slice(ranges[ranges.length - 1][0], e);
      } else {
        words.push(text.slice(s, e));
        ranges.push([s, e]);
      }
    });
    assert.deepEqual(words, expected, JSON.stringify(text));
  }
  const enc = tok.encode('x Nausea\r\nvomiting', { addSpecialTokens: false });
  assert.deepEqual(enc.offsets.slice(-1)[0], [10, 18]);
  const emoji = tok.encode('pain 😀 rash', { addSpecialTokens: false });
  assert.deepEqual(emoji.offsets[1], [5, 7]);
  assert.deepEqual(emoji.offsets[2], [8, 12]);
  // Decomposed input: the combining accent is stripped, so the token ends at the base letter as in HF.
  const nfd = tok.encode('cafe\u0301 x', { addSpecialTokens: false });
  assert.equal(nfd.offsets[nfd.offsets.length - 1][0], 6);
});

test('normalisers that change length keep the alignment (Lowercase İ, NFKC ligature, Replace, final sigma)', () => {
  const json: Json = {
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { String: '-' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: { type: 'WhitespaceSplit' },
    model: { type: 'WordLevel', unk_token: '[UNK]', vocab: { '[UNK]': 0, fine: 1, 'i̇stanbul': 2, πονοσ: 3, co: 4, trimoxazole: 5 } },
  };
  const tok = Tokenizer.fromJSON(json);
  const text = 'ﬁne İstanbul ΠΟΝΟΣ co-trimoxazole';
  const enc = tok.encode(text);
  assert.deepEqual(enc.ids, [1, 2, 3, 4, 5]);
  assert.deepEqual(
    enc.offsets.map(([s, e]) => text.slice(s, e)),
    ['ﬁne', 'İstanbul', 'ΠΟΝΟΣ', 'co', 'trimoxazole'],
  );
});

test('pre-tokenizers follow the Rust crate: Unicode \\w in Whitespace, isolated punctuation, digits', () => {
  const mk = (pre: Json): string[] => {
    const vocab: Record<string, number> = { '[UNK]': 0 };
    const tok = Tokenizer.fromJSON({ pre_tokenizer: pre, model: { type: 'WordLevel', unk_token: '[UNK]', vocab } });
    const text = 'naïve x-ray, 12mg!!';
    return tok.encode(text).offsets.map(([s, e]) => text.slice(s, e));
  };
  assert.deepEqual(mk({ type: 'Whitespace' }), ['naïve', 'x', '-', 'ray', ',', '12mg', '!!']);
  assert.deepEqual(mk({ type: 'BertPreTokenizer' }), ['naïve', 'x', '-', 'ray', ',', '12mg', '!', '!']);
  assert.deepEqual(mk({ type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Digits', individual_digits: true }] }), [
    'naïve',
    'x',
    '-',
    'ray',
    ',',
    '1',
    '2',
    'mg',
    '!',
    '!',
  ]);
  assert.deepEqual(mk({ type: 'Digits', individual_digits: false }), ['naïve x-ray, ', '12', 'mg!!']);
});

test('unsupported tokenizer parts are refused with the file and the type named', () => {
  const bpe = { model: { type: 'BPE', vocab: {}, merges: [] } };
  assert.throws(() => Tokenizer.fromJSON(bpe, '/m/tokenizer.json'), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /^\/m\/tokenizer\.json: unsupported tokenizer model type "BPE" \(supported: WordPiece, WordLevel\)/);
    return true;
  });
  assert.throws(() => Tokenizer.fromJSON(variant({ pre_tokenizer: { type: 'ByteLevel' } }), 't.json'), /t\.json: unsupported pre_tokenizer type "ByteLevel"/);
  assert.throws(() => Tokenizer.fromJSON(variant({ normalizer: { type: 'Precompiled' } }), 't.json'), /unsupported normalizer type "Precompiled"/);
  assert.throws(() => Tokenizer.fromJSON(variant({ post_processor: { type: 'RobertaProcessing' } }), 't.json'), /unsupported post_processor type "RobertaProcessing"/);
});

test('BertProcessing and TemplateProcessing give the same special tokens', () => {
  const a = Tokenizer.fromJSON(WORDPIECE);
  const b = Tokenizer.fromJSON(variant({ post_processor: { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] } }));
  assert.deepEqual(a.specialTokens, { prefix: [2], suffix: [3] });
  assert.deepEqual(b.specialTokens, a.specialTokens);
  assert.equal(a.padId, 0);
});

/**
 * Vectors written by training/make_vectors.py from the Python tokenizers the bundles were trained with:
 * `{"source", "text", "tokenizer": "default" | "optimum-bert", "tokens": [{"id", "start", "end"}]}`, UTF-16
 * offsets, no special tokens.
 */
test('ids and offsets equal the Python tokenizers on tokenizer-vectors.jsonl', (t) => {
  const file = path.join(FIXTURES, 'tokenizer-vectors.jsonl');
  if (!existsSync(file)) {
    t.skip('test/fixtures/tokenizer-vectors.jsonl not there yet');
    return;
  }
  const bundles: Record<string, string> = {
    default: path.join(FIXTURES, '..', '..', 'models', 'default', 'tokenizer.json'),
    'optimum-bert': path.join(FIXTURES, 'optimum-bert', 'tokenizer.json'),
  };
  const cache = new Map<string, Tokenizer>();
  const seen = new Map<string, number>();
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const v = JSON.parse(l) as { source: string; tokenizer: string; text: string; tokens: { id: number; start: number; end: number }[] };
    const tokFile = bundles[v.tokenizer];
    assert.ok(tokFile, `unknown tokenizer ${v.tokenizer}`);
    if (!cache.has(tokFile)) cache.set(tokFile, Tokenizer.fromJSON(JSON.parse(readFileSync(tokFile, 'utf8')), tokFile));
    const enc = (cache.get(tokFile) as Tokenizer).encode(v.text, { addSpecialTokens: false });
    const ours = enc.ids.map((id, i) => ({ id, start: enc.offsets[i][0], end: enc.offsets[i][1] }));
    assert.deepEqual(ours, v.tokens, `${v.tokenizer} on ${v.source}: ${JSON.stringify(v.text.slice(0, 100))}`);
    seen.set(v.tokenizer, (seen.get(v.tokenizer) ?? 0) + 1);
  }
  assert.ok((seen.get('default') ?? 0) > 50 && (seen.get('optimum-bert') ?? 0) > 50, `vectors per tokenizer: ${JSON.stringify([...seen])}`);
});
