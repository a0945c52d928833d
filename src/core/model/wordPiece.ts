import { InputError } from '../errors';

/** One sub-word token: its id and `[start, end)` code-unit range inside the word it came from. */
export interface SubToken {
  id: number;
  start: number;
  end: number;
}

/** A vocabulary model turns one pre-tokenized word into sub-word tokens. */
export interface TokenModel {
  tokenize(word: string): SubToken[];
  /** Id of a token string, for special and added tokens. */
  tokenToId(token: string): number | undefined;
}

function vocabMap(vocab: unknown, file: string, type: string): Map<string, number> {
  if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab)) {
    throw new InputError(file, `model ${type}: "vocab" must be an object of token → id`);
  }
  return new Map(Object.entries(vocab as Record<string, number>));
}

function unkId(vocab: Map<string, number>, unk: unknown, file: string, type: string): number {
  const id = typeof unk === 'string' ? vocab.get(unk) : undefined;
  if (id === undefined) throw new InputError(file, `model ${type}: unk_token ${JSON.stringify(unk)} is not in the vocabulary`);
  return id;
}

/**
 * WordPiece as in the Rust crate: greedy longest match from the left, continuation pieces carry the
 * `##` prefix, and a word that cannot be covered (or is longer than `max_input_chars_per_word` code
 * points) becomes a single unknown token.
 */
export class WordPiece implements TokenModel {
  private readonly vocab: Map<string, number>;
  private readonly unk: number;
  private readonly prefix: string;
  private readonly maxChars: number;
  /** Longest vocabulary entry in code units: no match can be longer, so the search starts there. */
  private readonly maxPieceLength: number;

  constructor(cfg: Record<string, unknown>, file: string) {
    this.vocab = vocabMap(cfg.vocab, file, 'WordPiece');
    this.unk = unkId(this.vocab, cfg.unk_token, file, 'WordPiece');
    this.prefix = typeof cfg.continuing_subword_prefix === 'string' ? cfg.continuing_subword_prefix : '##';
    this.maxChars = typeof cfg.max_input_chars_per_word === 'number' ? cfg.max_input_chars_per_word : 100;
    let longest = 1;
    for (const k of this.vocab.keys()) longest = Math.max(longest, k.length);
    this.maxPieceLength = longest;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  tokenize(word: string): SubToken[] {
    const whole = [{ id: this.unk, start: 0, end: word.length }];
    if (word.length > this.maxChars && [...word].length > this.maxChars) return whole;
    const out: SubToken[] = [];
    let start = 0;
    while (start < word.length) {
      let end = Math.min(word.length, start + this.maxPieceLength);
      let found = -1;
      while (end > start) {
        // Never end inside a surrogate pair: pieces are whole code points, as in Rust.
        const c = word.charCodeAt(end - 1);
        if (c >= 0xd800 && c <= 0xdbff && end < word.length) {
          end--;
          continue;
        }
        const piece = start > 0 ? this.prefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) return whole;
      out.push({ id: found, start, end });
      start = end;
    }
    return out;
  }
}
