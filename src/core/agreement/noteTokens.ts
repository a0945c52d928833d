import { createPreTokenizer, Piece } from '../model/preTokenizers';
import { AgreementSpan } from './agreementInput';

/**
 * The words of a note as the default model's pre-tokenizer cuts them (BERT: split on whitespace, each
 * punctuation character a word of its own), as `[start, end)` ranges of the text. Token-level agreement
 * counts these, so a label on "nausea," and one on "nausea" cover the same word.
 */
const bertWords = createPreTokenizer({ type: 'BertPreTokenizer' }, 'BertPreTokenizer') as (text: string, pieces: Piece[]) => Piece[];

export function noteTokens(text: string): Piece[] {
  return text.length ? bertWords(text, [[0, text.length]]) : [];
}

/** The category of a token no span touches. */
export const OUTSIDE = 'O';

/**
 * One category per token for one annotator: the label of every span with a fragment that overlaps the
 * token by at least one character, or `O`. A token inside two spans of different labels (a DRUG inside an
 * ADE) gets both, sorted and joined with `+` ("ADE+DRUG"), so that it agrees only with the same pair.
 */
export function tokenCategories(tokens: readonly Piece[], spans: readonly AgreementSpan[]): string[] {
  const labels: Set<string>[] = tokens.map(() => new Set());
  for (const span of spans) {
    for (const [s, e] of span.fragments) {
      // Tokens are sorted and disjoint: binary search for the first one that ends after s.
      let lo = 0;
      let hi = tokens.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tokens[mid][1] <= s) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < tokens.length && tokens[i][0] < e; i++) labels[i].add(span.label);
    }
  }
  return labels.map((set) => (set.size ? [...set].sort().join('+') : OUTSIDE));
}
