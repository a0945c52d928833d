import { Span } from '../span';

/**
 * The baseline `caused_by` suggestion: each ADE is attributed to the nearest DRUG in the same sentence
 * (distance between the two spans' nearest edges; a tie goes to the drug before the effect, the "X-induced
 * Y" / "Y after X" order being the more frequent one). An ADE with no DRUG in its sentence looks back a
 * sentence or two (`lookBack`), else gets none. Drugs coordinated with that nearest one ("X and Y caused Z",
 * "X, Y, or Z", "X plus Y", "X (CTX) and Y": nothing but commas, slashes, "and", "or", "plus", "with", "as
 * well as" and a short parenthesis between them) are linked too, since the effect is attributed to the
 * combination, unless the run is too long to be one (`maxCoordinated`); so is a drug's alias in parentheses
 * right after it ("cytosine arabinoside (ARA-C)", "cisplatin (CDDP) and vindesine (VDS)"), which names the
 * same drug and does not count towards that length.
 * Measured on the ADE dev relations and the labelled notes by bench/relations.bench.ts (docs/relations.md).
 */

export interface SuggestedRelation {
  type: 'caused_by';
  /** Index in the given spans of the ADE, and of the DRUG. */
  from: number;
  to: number;
}

/** Sentence boundaries: `.`, `!`, `?` followed by a space and a capital or digit (not "e.g. the"), or a line break. */
const SENTENCE_BREAK = /[.!?](?=\s+["'(]?[A-Z0-9])|\r?\n/g;

/** [start, end) of the sentences of `text`. */
export function sentenceRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  SENTENCE_BREAK.lastIndex = 0;
  for (let m = SENTENCE_BREAK.exec(text); m; m = SENTENCE_BREAK.exec(text)) {
    const end = m.index + m[0].length;
    out.push([start, end]);
    start = end;
  }
  out.push([start, text.length]);
  return out;
}

export interface CausedByOptions {
  effect?: string;
  drug?: string;
  /** Also link the drugs coordinated with the nearest one (default true). */
  coordinated?: boolean;
  /**
   * Also link a drug's alias in parentheses right after it, and go on past it ("cisplatin (CDDP) and
   * vindesine (VDS)": four drugs of one combination); default true. False is the rule before aliases, kept
   * for the bench's comparison.
   */
  aliases?: boolean;
  /**
   * A run of more coordinated drugs than this is a medication list ("Pravachol, Prevacid, …, Ultram"), not a
   * combination the effect is attributed to: then only the nearest drug is linked (default MAX_COMBINATION).
   */
  maxCoordinated?: number;
  /**
   * An effect whose sentence names no drug is attributed to the last drug of the nearest sentence before it
   * that names one, at most this many sentences back (notes tell the drug first and the effect after it:
   * "was started on Avonex. … However, it made her feel stiff"); 0 turns this off (default LOOK_BACK).
   */
  lookBack?: number;
}

/** Drugs in one combination at most (regimens such as R-CHOP name five). */
export const MAX_COMBINATION = 5;
/** Sentences an effect with no drug in its own looks back for one. */
export const LOOK_BACK = 2;

export function suggestCausedBy(text: string, spans: readonly Span[], options: CausedByOptions = {}): SuggestedRelation[] {
  const labels = { effect: options.effect ?? 'ADE', drug: options.drug ?? 'DRUG' };
  const sentences = sentenceRanges(text);
  const sentenceOf = (offset: number) => {
    let lo = 0;
    let hi = sentences.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sentences[mid][0] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const drugs = spans.map((s, i) => ({ s, i })).filter(({ s }) => s.label === labels.drug);
  const out: SuggestedRelation[] = [];
  const drugsIn = (sentence: number) => drugs.filter(({ s }) => sentenceOf(s.start) === sentence).sort((a, b) => a.s.start - b.s.start);
  const lookBack = options.lookBack ?? LOOK_BACK;
  spans.forEach((ade, i) => {
    if (ade.label !== labels.effect) return;
    const sentence = sentenceOf(ade.start);
    let inSentence = drugsIn(sentence);
    let best: { i: number; distance: number; before: boolean } | undefined;
    for (const { s, i: j } of inSentence) {
      const distance = s.end <= ade.start ? ade.start - s.end : s.start >= ade.end ? s.start - ade.end : 0;
      const before = s.start < ade.start;
      if (!best || distance < best.distance || (distance === best.distance && before && !best.before)) best = { i: j, distance, before };
    }
    for (let back = 1; !best && back <= lookBack && sentence - back >= 0; back++) {
      inSentence = drugsIn(sentence - back);
      const last = inSentence[inSentence.length - 1];
      if (last) best = { i: last.i, distance: 0, before: true };
    }
    if (!best) return;
    const linked = [best.i];
    if (options.coordinated !== false) {
      const at = inSentence.findIndex(({ i: j }) => j === best!.i);
      const withAliases = options.aliases !== false;
      let aliases = 0;
      for (const step of [-1, 1]) {
        for (let k = at + step; k >= 0 && k < inSentence.length; k += step) {
          const [left, right] = step < 0 ? [inSentence[k].s, inSentence[k - step].s] : [inSentence[k - step].s, inSentence[k].s];
          const between = text.slice(left.end, right.start);
          if (withAliases && ALIAS_OPENS.test(between)) aliases++;
          else if (!COORDINATION.test(withAliases ? between.replace(ALIAS_CLOSES, '') : between)) break;
          linked.push(inSentence[k].i);
        }
      }
      // Aliases name the same drug again: they do not make a run a list.
      if (linked.length - aliases > (options.maxCoordinated ?? MAX_COMBINATION)) linked.length = 1;
    }
    for (const j of linked) out.push({ type: 'caused_by', from: i, to: j });
  });
  return out;
}

/** What may stand between two coordinated drugs. */
const COORDINATION = /^(?:\s*\([^()]{0,30}\))?[\s,;/]*(?:(?:and\/or|and|or|plus|with|as\s+well\s+as)\b)?[\s,]*$/i;
/** Between a drug and its alias in parentheses ("methazolamide (Neptazane)", "cytosine arabinoside (ARA-C)"). */
const ALIAS_OPENS = /^\s*\(\s*$/;
/** After an alias, its closing parenthesis comes before the coordination ("cisplatin (CDDP) and vindesine"). */
const ALIAS_CLOSES = /^\s*\)/;
