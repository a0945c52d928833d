import { InputError } from '../errors';

/**
 * The pre-tokenizers of Hugging Face `tokenizer.json` that docs/model-bundle.md supports. They split the
 * normalised text into words, as `[start, end)` code-unit ranges of the normalised text; the tokenizer maps
 * them back to the original. Character classes follow the Rust `tokenizers` crate (Unicode `\w`, Unicode
 * whitespace and punctuation), which is what the models were trained with: tokenizers.js uses ASCII `\w`.
 */
export type Piece = [number, number];
export type PreTokenizer = (text: string, pieces: Piece[]) => Piece[];

type Behavior = 'removed' | 'isolated' | 'merged_with_previous' | 'merged_with_next' | 'contiguous';

/** Rust's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, join controls. */
const W = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
/** BERT's punctuation: any Unicode `P*` plus ASCII symbols such as `$+<=>^`|~`. */
const PUNCT = '\\p{P}\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e';

const WHITESPACE_WORDS = new RegExp(`[${W}]+|[^${W}\\p{White_Space}]+`, 'gu');
const NON_WHITESPACE = /\P{White_Space}+/gu;
const PUNCT_CHAR = new RegExp(`[${PUNCT}]`, 'gu');
const NUMERIC_CHAR = /\p{N}/gu;

/** Keeps the regex matches of every piece as the new pieces (HF: `Invert(pattern)` + `Removed`). */
function keepMatches(re: RegExp): PreTokenizer {
  return (text, pieces) => {
    const out: Piece[] = [];
    for (const [a, b] of pieces) {
      for (const m of text.slice(a, b).matchAll(re)) {
        const s = a + (m.index as number);
        out.push([s, s + m[0].length]);
      }
    }
    return out;
  };
}

/**
 * Splits every piece on each character matched by `re` (one code point per match), handling the matched
 * characters as HF's `SplitDelimiterBehavior` says.
 */
function splitOnChars(re: RegExp, behavior: Behavior): PreTokenizer {
  return (text, pieces) => {
    const out: Piece[] = [];
    for (const [a, b] of pieces) {
      const delims: Piece[] = [];
      for (const m of text.slice(a, b).matchAll(re)) {
        const s = a + (m.index as number);
        const e = s + m[0].length;
        const last = delims[delims.length - 1];
        if (behavior === 'contiguous' && last && last[1] === s) last[1] = e;
        else delims.push([s, e]);
      }
      let cursor = a;
      let pendingStart = -1; // merged_with_next: start of delimiters waiting for the next piece
      for (const [s, e] of delims) {
        const gapStart = pendingStart >= 0 ? pendingStart : cursor;
        switch (behavior) {
          case 'removed':
            if (s > cursor) out.push([cursor, s]);
            break;
          case 'isolated':
          case 'contiguous':
            if (s > cursor) out.push([cursor, s]);
            out.push([s, e]);
            break;
          case 'merged_with_previous':
            out.push([cursor, e]);
            break;
          case 'merged_with_next':
            if (s > gapStart) out.push([gapStart, s]);
            pendingStart = s;
            break;
        }
        cursor = e;
      }
      const tailStart = behavior === 'merged_with_next' && pendingStart >= 0 ? pendingStart : cursor;
      if (b > tailStart) out.push([tailStart, b]);
    }
    return out;
  };
}

const BEHAVIORS: Record<string, Behavior> = {
  Removed: 'removed',
  Isolated: 'isolated',
  MergedWithPrevious: 'merged_with_previous',
  MergedWithNext: 'merged_with_next',
  Contiguous: 'contiguous',
};

/** HF serialises `SplitDelimiterBehavior` in PascalCase (`"Isolated"`). */
function behaviorOf(v: unknown, fallback: Behavior, file: string): Behavior {
  if (v === undefined || v === null) return fallback;
  const b = BEHAVIORS[String(v)];
  if (!b) throw new InputError(file, `pre_tokenizer Punctuation: unknown behavior ${JSON.stringify(v)}`);
  return b;
}

/**
 * BERT's "split on whitespace (removed), then isolate each punctuation character", done as one regex pass:
 * the same pieces as the two-step version, without a second scan per word (it showed in profiles).
 */
const BERT_WORDS = new RegExp(`[^\\p{White_Space}${PUNCT}]+|[${PUNCT}]`, 'gu');
const bertPreTokenizer: PreTokenizer = keepMatches(BERT_WORDS);

/** Builds the pre-tokenizer of a `tokenizer.json` `pre_tokenizer` entry; `null` keeps the text as one word. */
export function createPreTokenizer(cfg: unknown, file: string): PreTokenizer | null {
  if (cfg === null || cfg === undefined) return null;
  const c = cfg as Record<string, unknown>;
  switch (c.type) {
    case 'BertPreTokenizer':
      return bertPreTokenizer;
    case 'Whitespace':
      return keepMatches(WHITESPACE_WORDS);
    case 'WhitespaceSplit':
      return keepMatches(NON_WHITESPACE);
    case 'Punctuation':
      return splitOnChars(PUNCT_CHAR, behaviorOf(c.behavior, 'isolated', file));
    case 'Digits':
      return splitOnChars(NUMERIC_CHAR, c.individual_digits ? 'isolated' : 'contiguous');
    case 'Sequence': {
      const parts = ((c.pretokenizers as unknown[]) ?? []).map((p) => createPreTokenizer(p, file)).filter((p): p is PreTokenizer => p !== null);
      return (text, pieces) => parts.reduce((acc, p) => p(text, acc), pieces);
    }
    default:
      throw new InputError(
        file,
        `unsupported pre_tokenizer type ${JSON.stringify(c.type)} (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, Sequence)`,
      );
  }
}
