import { InputError } from '../errors';
import { SubToken, TokenModel } from './wordPiece';

/** WordLevel: each pre-tokenized word is one token, looked up whole; unknown words get `unk_token`. */
export class WordLevel implements TokenModel {
  private readonly vocab: Map<string, number>;
  private readonly unk: number;

  constructor(cfg: Record<string, unknown>, file: string) {
    if (cfg.vocab === null || typeof cfg.vocab !== 'object' || Array.isArray(cfg.vocab)) {
      throw new InputError(file, 'model WordLevel: "vocab" must be an object of token → id');
    }
    this.vocab = new Map(Object.entries(cfg.vocab as Record<string, number>));
    const unk = typeof cfg.unk_token === 'string' ? this.vocab.get(cfg.unk_token) : undefined;
    if (unk === undefined) throw new InputError(file, `model WordLevel: unk_token ${JSON.stringify(cfg.unk_token)} is not in the vocabulary`);
    this.unk = unk;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  tokenize(word: string): SubToken[] {
    return [{ id: this.vocab.get(word) ?? this.unk, start: 0, end: word.length }];
  }
}
