import { promises as fs } from 'node:fs';
import { InputError } from '../errors';
import { unreadableFileError } from '../fs/notFound';
import { alignedFromOriginal, originalRange } from './alignedText';
import { createNormalizer, Normalizer } from './normalizers';
import { createPreTokenizer, Piece, PreTokenizer } from './preTokenizers';
import { TokenModel, WordPiece } from './wordPiece';
import { WordLevel } from './wordLevel';

/**
 * A Hugging Face `tokenizer.json` tokenizer that returns, for every token, its exact `[start, end)` offsets
 * in UTF-16 code units of the ORIGINAL text.
 *
 * Why our own: neither `@huggingface/tokenizers` (tokenizers.js) nor transformers.js returns offsets (its
 * issue #425 is open), and highlights, labels and `eval` all need them exact on the text as saved (CRLF,
 * accents, emoji). So the normalisers carry an alignment map (alignedText.ts), the pre-tokenizers split the
 * normalised text into words, and the vocabulary model splits words into pieces whose ranges map back
 * through that alignment. Token ids are checked against tokenizers.js and the Python tokenizers in tests.
 */
export interface Encoding {
  ids: number[];
  /** `[start, end)` in UTF-16 code units of the original text; special tokens added by the post-processor get `[0, 0]`. */
  offsets: [number, number][];
  /** Index of the pre-tokenized word a token belongs to; `null` for post-processor special tokens. */
  wordIds: (number | null)[];
  /** 1 for special tokens (post-processor and special added tokens), else 0. */
  specialTokensMask: number[];
}

export interface SpecialTokens {
  /** Ids the post-processor puts before / after a single sequence (e.g. `[CLS]` / `[SEP]`). */
  prefix: number[];
  suffix: number[];
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

type Json = Record<string, unknown>;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Tokenizer {
  /** Ids of the padding token (from `padding.pad_id`, else `[PAD]`/`<pad>` in the vocabulary, else 0). */
  readonly padId: number;

  private constructor(
    readonly modelType: 'WordPiece' | 'WordLevel',
    private readonly model: TokenModel,
    private readonly normalizer: Normalizer | null,
    private readonly preTokenizer: PreTokenizer | null,
    private readonly added: AddedToken[],
    private readonly addedPattern: RegExp | null,
    readonly specialTokens: SpecialTokens,
    padId: number,
  ) {
    this.padId = padId;
  }

  static async fromFile(file: string): Promise<Tokenizer> {
    let raw: string;
    try {
      raw = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw unreadableFileError(file, e);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new InputError(file, `is not valid JSON (${(e as Error).message})`);
    }
    return Tokenizer.fromJSON(json, file);
  }

  /** `file` only names the source in error messages. */
  static fromJSON(json: unknown, file = 'tokenizer.json'): Tokenizer {
    if (json === null || typeof json !== 'object') throw new InputError(file, 'must be a JSON object (Hugging Face tokenizers format)');
    const j = json as Json;
    const m = (j.model ?? {}) as Json;
    // Files written by `tokenizers` always carry `model.type`; very old ones only betray it by their fields.
    const type = m.type ?? (m.continuing_subword_prefix !== undefined && m.merges === undefined ? 'WordPiece' : undefined);
    let model: TokenModel;
    if (type === 'WordPiece') model = new WordPiece(m, file);
    else if (type === 'WordLevel') model = new WordLevel(m, file);
    else throw new InputError(file, `unsupported tokenizer model type ${JSON.stringify(type ?? null)} (supported: WordPiece, WordLevel)`);

    const normalizer = createNormalizer(j.normalizer, file);
    const preTokenizer = createPreTokenizer(j.pre_tokenizer, file);

    const added: AddedToken[] = [];
    for (const t of (Array.isArray(j.added_tokens) ? j.added_tokens : []) as Json[]) {
      if (typeof t.content === 'string' && t.content.length > 0 && typeof t.id === 'number') {
        added.push({ id: t.id, content: t.content, special: t.special === true });
      }
    }
    // Longest first, so that "[CLS]x" style overlaps resolve like the Rust trie (leftmost-longest).
    const sorted = [...added].sort((a, b) => b.content.length - a.content.length);
    const addedPattern = sorted.length ? new RegExp(sorted.map((t) => escapeRegExp(t.content)).join('|'), 'g') : null;

    const specialTokens = parsePostProcessor(j.post_processor, file, (tok) => added.find((a) => a.content === tok)?.id ?? model.tokenToId(tok));

    const padding = j.padding as Json | null | undefined;
    const padId =
      (padding && typeof padding.pad_id === 'number' ? padding.pad_id : undefined) ??
      model.tokenToId('[PAD]') ??
      model.tokenToId('<pad>') ??
      0;
    return new Tokenizer(type, model, normalizer, preTokenizer, added, addedPattern, specialTokens, padId);
  }

  /** Encodes `text`; `addSpecialTokens` (default true, as in HF) wraps it with the post-processor's tokens. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): Encoding {
    const enc: Encoding = { ids: [], offsets: [], wordIds: [], specialTokensMask: [] };
    const addSpecial = options.addSpecialTokens ?? true;
    if (addSpecial) this.pushSpecial(enc, this.specialTokens.prefix);
    let word = 0;
    let cursor = 0;
    if (this.addedPattern) {
      this.addedPattern.lastIndex = 0;
      for (const m of text.matchAll(this.addedPattern)) {
        const at = m.index as number;
        word = this.encodeSegment(text, cursor, at, word, enc);
        const tok = this.added.find((a) => a.content === m[0]) as AddedToken;
        enc.ids.push(tok.id);
        enc.offsets.push([at, at + m[0].length]);
        enc.wordIds.push(word++);
        enc.specialTokensMask.push(tok.special ? 1 : 0);
        cursor = at + m[0].length;
      }
    }
    this.encodeSegment(text, cursor, text.length, word, enc);
    if (addSpecial) this.pushSpecial(enc, this.specialTokens.suffix);
    return enc;
  }

  private pushSpecial(enc: Encoding, ids: number[]): void {
    for (const id of ids) {
      enc.ids.push(id);
      enc.offsets.push([0, 0]);
      enc.wordIds.push(null);
      enc.specialTokensMask.push(1);
    }
  }

  /** Normalises, pre-tokenizes and tokenizes `text[from, to)`; returns the next word index. */
  private encodeSegment(text: string, from: number, to: number, word: number, enc: Encoding): number {
    if (to <= from) return word;
    let aligned = alignedFromOriginal(text.slice(from, to), from);
    if (this.normalizer) aligned = this.normalizer(aligned);
    const norm = aligned.text;
    const pieces: Piece[] = this.preTokenizer ? this.preTokenizer(norm, [[0, norm.length]]) : [[0, norm.length]];
    for (const [s, e] of pieces) {
      if (e <= s) continue;
      for (const sub of this.model.tokenize(norm.slice(s, e))) {
        enc.ids.push(sub.id);
        enc.offsets.push(originalRange(aligned, s + sub.start, s + sub.end));
        enc.wordIds.push(word);
        enc.specialTokensMask.push(0);
      }
      word++;
    }
    return word;
  }
}

/** The special tokens a post-processor wraps a single sequence with; refuses the kinds we do not support. */
function parsePostProcessor(cfg: unknown, file: string, idOf: (token: string) => number | undefined): SpecialTokens {
  if (cfg === null || cfg === undefined) return { prefix: [], suffix: [] };
  const c = cfg as Json;
  const need = (tok: unknown): number => {
    const id = typeof tok === 'string' ? idOf(tok) : undefined;
    if (id === undefined) throw new InputError(file, `post_processor: special token ${JSON.stringify(tok)} is not in the vocabulary`);
    return id;
  };
  if (c.type === 'BertProcessing') {
    const cls = c.cls as [string, number];
    const sep = c.sep as [string, number];
    return { prefix: [typeof cls?.[1] === 'number' ? cls[1] : need(cls?.[0])], suffix: [typeof sep?.[1] === 'number' ? sep[1] : need(sep?.[0])] };
  }
  if (c.type === 'TemplateProcessing') {
    const single = (Array.isArray(c.single) ? c.single : []) as Json[];
    const specials = (c.special_tokens ?? {}) as Record<string, { ids?: number[] }>;
    const prefix: number[] = [];
    const suffix: number[] = [];
    let seenSequence = false;
    for (const item of single) {
      if (item.Sequence) {
        seenSequence = true;
        continue;
      }
      const sp = item.SpecialToken as { id?: string } | undefined;
      if (!sp || typeof sp.id !== 'string') throw new InputError(file, 'post_processor TemplateProcessing: "single" holds an item that is neither Sequence nor SpecialToken');
      const ids = specials[sp.id]?.ids ?? [need(sp.id)];
      (seenSequence ? suffix : prefix).push(...ids);
    }
    return { prefix, suffix };
  }
  throw new InputError(file, `unsupported post_processor type ${JSON.stringify(c.type)} (supported: TemplateProcessing, BertProcessing, or none)`);
}
