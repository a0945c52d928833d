import { CharIdsInput } from './config';

/**
 * Writes the `char_ids` row of one token at `tokenIndex` (docs/model-bundle.md): the code points of the
 * token's ORIGINAL text (case kept, so a character CNN sees "Rash" and "RASH" differently even when the
 * word vocabulary is lower-cased), truncated to `maxWordLength`, each mapped to its alphabet id or `unkId`.
 * The row must already hold `padId` (buffers are filled with it), which also covers special tokens.
 */
export function fillCharIds(out: Int32Array, tokenIndex: number, spec: CharIdsInput, text: string, [s, e]: [number, number]): void {
  let k = 0;
  const base = tokenIndex * spec.maxWordLength;
  for (let i = s; i < e && k < spec.maxWordLength; ) {
    const cp = text.codePointAt(i) as number;
    out[base + k++] = spec.alphabet.get(cp) ?? spec.unkId;
    i += cp > 0xffff ? 2 : 1;
  }
}
