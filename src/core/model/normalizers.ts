import { InputError } from '../errors';
import { AlignedText, mapClusters, replaceMatches } from './alignedText';

/**
 * The normalisers of Hugging Face `tokenizer.json` that docs/model-bundle.md supports, re-implemented on
 * {@link AlignedText} so that offsets into the original text survive every change of length. Each one
 * follows the Rust `tokenizers` crate (the library the models are trained with), not tokenizers.js.
 */
export type Normalizer = (text: AlignedText) => AlignedText;

type Json = Record<string, unknown>;

const CONTROL = /^[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const MN = /\p{Mn}/u;

/** CJK Unified Ideographs and their extensions and compatibility blocks, as BERT's basic tokenizer lists them. */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/**
 * Lower-cases code point by code point, like Rust's `char::to_lowercase` that the HF normaliser applies (so
 * a final 'Σ' becomes 'σ', not the context-dependent 'ς' of `String.prototype.toLowerCase`).
 */
export const lowercase: Normalizer = (a) => {
  if (!/[\u0130\u03a3]/.test(a.text)) {
    // Without 'İ' (which grows to two units) and 'Σ' (context-dependent in JS), whole-string lower-casing
    // maps each code point to one of the same length, so the alignment is unchanged.
    const lower = a.text.toLowerCase();
    if (lower.length === a.text.length) return lower === a.text ? a : { text: lower, starts: a.starts, ends: a.ends };
  }
  // Only code points outside ASCII-non-uppercase can change.
  return replaceMatches(a, /[A-Z]|[^\0-\x7f]/gu, (cp) => cp.toLowerCase());
};

/** Removes non-spacing marks (`Mn`), as the HF `StripAccents` normaliser does; meant to follow NFD/NFKD. */
const stripAccents: Normalizer = (a) => (MN.test(a.text) ? replaceMatches(a, /\p{Mn}/gu, '') : a);

function unicodeForm(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): Normalizer {
  return (a) => (a.text.normalize(form) === a.text ? a : mapClusters(a, (c) => c.normalize(form)));
}

/** BERT's `clean_text`: drop NUL, U+FFFD and control/format characters; turn every whitespace into ' '. */
const cleanText: Normalizer = (a) => {
  // Only code points outside printable ASCII can change (one match per code point, so offsets stay exact).
  return replaceMatches(a, /[^\x20-\x7e]/gu, (cp) => {
    if (cp === '\t' || cp === '\n' || cp === '\r') return ' ';
    if (cp === '\0' || cp === '\ufffd' || CONTROL.test(cp)) return '';
    return WHITESPACE.test(cp) ? ' ' : cp;
  });
};

/** Spaces around CJK ideographs so the pre-tokenizer makes each one a word (the spaces map to the ideograph). */
const padChineseChars: Normalizer = (a) => {
  if (!/[\u3400-\u9fff\uf900-\ufaff\ud840-\ud87e]/.test(a.text)) return a;
  return replaceMatches(a, /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[\u{20000}-\u{2a6df}\u{2a700}-\u{2ceaf}\u{2f800}-\u{2fa1f}]/gu, (cp) =>
    isChineseChar(cp.codePointAt(0) as number) ? ` ${cp} ` : cp,
  );
};

const nfd = unicodeForm('NFD');

function bertNormalizer(cfg: Json): Normalizer {
  const clean = cfg.clean_text !== false;
  const chinese = cfg.handle_chinese_chars !== false;
  const lower = cfg.lowercase !== false;
  // As in the Rust crate: `strip_accents: null` means "strip when lower-casing".
  const strip = typeof cfg.strip_accents === 'boolean' ? cfg.strip_accents : lower;
  return (a) => {
    if (clean) a = cleanText(a);
    if (chinese) a = padChineseChars(a);
    if (strip) a = stripAccents(nfd(a));
    if (lower) a = lowercase(a);
    return a;
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A `Replace` / `Split` pattern: `{"String": "..."}` or `{"Regex": "..."}`, compiled as a global JS regex. */
function compilePattern(pattern: unknown, file: string, where: string): RegExp {
  const p = (pattern ?? {}) as Json;
  try {
    if (typeof p.String === 'string') return new RegExp(escapeRegExp(p.String), 'gu');
    if (typeof p.Regex === 'string') return new RegExp(p.Regex, 'gu');
  } catch (e) {
    throw new InputError(file, `${where}: pattern ${JSON.stringify(p.Regex)} is not a regular expression JavaScript can run (${(e as Error).message})`);
  }
  throw new InputError(file, `${where}: pattern must be {"String": …} or {"Regex": …}`);
}

/** Builds the normaliser of a `tokenizer.json` `normalizer` entry; `null` means none. */
export function createNormalizer(cfg: unknown, file: string): Normalizer | null {
  if (cfg === null || cfg === undefined) return null;
  const c = cfg as Json;
  switch (c.type) {
    case 'BertNormalizer':
      return bertNormalizer(c);
    case 'Lowercase':
      return lowercase;
    case 'StripAccents':
      return stripAccents;
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return unicodeForm(c.type);
    case 'Replace': {
      const re = compilePattern(c.pattern, file, 'normalizer Replace');
      const content = typeof c.content === 'string' ? c.content : '';
      return (a) => replaceMatches(a, re, content);
    }
    case 'Sequence': {
      const parts = ((c.normalizers as unknown[]) ?? []).map((n) => createNormalizer(n, file)).filter((n): n is Normalizer => n !== null);
      return (a) => parts.reduce((acc, n) => n(acc), a);
    }
    default:
      throw new InputError(
        file,
        `unsupported normalizer type ${JSON.stringify(c.type)} (supported: BertNormalizer, Lowercase, StripAccents, NFC, NFD, NFKC, NFKD, Replace, Sequence)`,
      );
  }
}
