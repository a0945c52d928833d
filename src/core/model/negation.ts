import { Span } from '../span';

/**
 * Post-step on model predictions: drops ADE spans that the annotation guideline says are not ADEs
 * because of their context, not their words (the annotation guideline, "Not an ADE"; condensed in DEFAULT_LABEL_SCHEMA):
 *
 * 1. **Negated** — a negation cue earlier in the same clause: "denies fatigue", "(-) fever, headache,
 *    nausea", "negative for", "free of", "rule out" negate to the clause end, which is the next `.` `;`
 *    `:` `?` `!`, a line break, or "but"/"however"/"although"/"except"/"though" (commas do not end it, so
 *    a negated list is negated to its end); "no", "not", "never", "without", "absence of" negate only an
 *    ADE that starts within the next 4 words of the clause ("no rash", "does not develop any GI symptoms").
 * 2. **Hypothetical or risk only** — a cue earlier in the same sentence: consent and risk discussions
 *    ("the risks … including bleeding, infection…", "informed consent"), "toxicities would include",
 *    "would/will include", "watch/monitor for", "if she develops", "as long as", "in case of",
 *    "possible/potential side effects". The sentence runs to `.` `?` `!` `;` or a blank line. Generic
 *    statements ("X may cause Y", "a risk of Y", "known to cause") are kept: the abstracts corpus labels
 *    them ADE, and in notes they are rare.
 * 3. **Review of systems** — inside a "REVIEW OF SYSTEMS" / "ROS" section (to the next major header), an
 *    ADE is dropped unless its sentence has a causal cue ("caused", "secondary to", "due to", "induced",
 *    "because of", "since starting", "reaction to", "side effect").
 *
 * DRUG spans (and any other label) are kept as they are: a negated or past drug is still a drug by the
 * guideline. Pure: the same text and spans give the same result; spans are not modified, only filtered.
 */
export interface NegationOptions {
  /** Labels the filter applies to (default `['ADE']`). */
  labels?: readonly string[];
  negation?: boolean;
  hypothetical?: boolean;
  reviewOfSystems?: boolean;
}

export type DropReason = 'negated' | 'hypothetical' | 'review-of-systems';

/** Cues whose scope runs to the clause end ("denies fatigue, nausea or rash"). */
const NEGATION_CUE =
  /\(\s*-\s*\)|\b(?:denies|denied|deny|denying|negative\s+for|neg\s+for|free\s+of|rule\s+out|ruled\s+out|r\/o)\b/gi;
/** Cues whose scope is short: an ADE starting within the next WEAK_WORDS words ("no rash", "did not
 * actually have an allergic reaction", "without developing pericardial effusion"), so that "no history of
 * bipolar illness developed a manic episode" keeps its ADE. */
const WEAK_NEGATION_CUE = /\b(?:no(?!\.)|not|never|without|absence\s+of)\b/gi;
const WEAK_WORDS = 4;
const CLAUSE_END = /[.;:?!]|\r?\n|\b(?:but|however|although|though|except|aside\s+from|apart\s+from)\b/gi;

/** Consent and risk discussions, planned toxicities, conditional mentions. Deliberately narrow: generic
 * statements ("X may cause Y", "a risk of Y") are ADEs in the abstracts corpus, so they are kept. */
const HYPOTHETICAL_CUE =
  /\b(?:risks|informed\s+consent|(?:would|will)\s+include|watch\s+for|monitor(?:ed|ing)?\s+for|look\s+out\s+for|if\s+(?:he|she|they|the\s+patient)\s+(?:develops?|experiences?|gets?|has)|as\s+long\s+as|in\s+case\s+of|(?:possible|potential)\s+(?:side\s+effects?|adverse|complications)|side\s+effects?\s+(?:include|including|such\s+as)|toxicities\s+(?:would|will|may|can)\s+include)\b/gi;
const SENTENCE_END = /(?<![A-Za-z]\.[A-Za-z])[.?!;](?=\s|$)|\r?\n\s*\r?\n/g;

const ROS_HEADER = /(?:^|\n)[ \t]*(?:REVIEW\s+OF\s+SYSTEMS?|ROS)\b[^\n]*/gi;
const MAJOR_HEADER =
  /\n[ \t]*(?:PHYSICAL\s+EXAM(?:INATION)?|EXAM(?:INATION)?|OBJECTIVE|VITAL\s+SIGNS|VITALS|ASSESSMENT|IMPRESSION|PLAN|LAB(?:ORATORY|S)?(?:\s+DATA)?|DIAGNOS[IE]S|DIAGNOSTIC|MEDICATIONS?|CURRENT\s+MEDICATIONS|ALLERGIES|SOCIAL\s+HISTORY|FAMILY\s+HISTORY|PAST\s+(?:MEDICAL|SURGICAL)\s+HISTORY|HISTORY\s+OF\s+PRESENT\s+ILLNESS|HOSPITAL\s+COURSE|DISPOSITION|RECOMMENDATIONS?|DATA|STUDIES|RESULTS|FINDINGS|PROCEDURE)\b[^\n]*?(?::|\n)/gi;
const CAUSAL_CUE =
  /\b(?:caused|causes|causing|secondary\s+to|due\s+to|induced|because\s+of|since\s+starting|reaction\s+to|side\s+effects?|attributed\s+to|from\s+(?:the\s+)?\w+\s+(?:use|therapy))\b|-induced\b/i;

/** Start of the clause/sentence end found at or after `from` (or text.length). */
function nextMatch(re: RegExp, text: string, from: number): number {
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : text.length;
}

/** [start, end) scopes: each cue's end up to the next terminator. */
function scopes(text: string, cue: RegExp, end: RegExp): [number, number][] {
  const out: [number, number][] = [];
  cue.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = cue.exec(text))) {
    const s = m.index + m[0].length;
    out.push([s, nextMatch(end, text, s)]);
    if (m[0].length === 0) cue.lastIndex++;
  }
  return out;
}

/** Weak cues: from the cue's end to the end of the WEAK_WORDS-th word after it (or the clause end). */
function weakScopes(text: string): [number, number][] {
  const out: [number, number][] = [];
  WEAK_NEGATION_CUE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WEAK_NEGATION_CUE.exec(text))) {
    const s = m.index + m[0].length;
    const clause = nextMatch(CLAUSE_END, text, s);
    const words = /\S+/g;
    words.lastIndex = s;
    let e = s;
    for (let k = 0; k < WEAK_WORDS; k++) {
      const w = words.exec(text);
      if (!w || w.index >= clause) break;
      e = w.index + 1; // an ADE must START within the first WEAK_WORDS words
    }
    out.push([s, Math.min(e, clause)]);
  }
  return out;
}

function rosSections(text: string): [number, number][] {
  const out: [number, number][] = [];
  ROS_HEADER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ROS_HEADER.exec(text))) {
    const s = m.index + m[0].length;
    out.push([s, Math.min(nextMatch(MAJOR_HEADER, text, s), s + 4000)]);
  }
  return out;
}

function sentenceAround(text: string, start: number, end: number): string {
  let a = start;
  while (a > 0 && !/[.?!;\n]/.test(text[a - 1])) a--;
  const b = nextMatch(SENTENCE_END, text, end);
  return text.slice(a, b);
}

const inside = (s: Span, sc: [number, number][]) => sc.some(([a, b]) => s.start >= a && s.end <= b);

/** Why a span would be dropped (first reason that applies), or undefined if it is kept. */
export function contextDropReasons(text: string, spans: readonly Span[], opts: NegationOptions = {}): (DropReason | undefined)[] {
  const labels = opts.labels ?? ['ADE'];
  const neg = opts.negation === false ? [] : scopes(text, NEGATION_CUE, CLAUSE_END);
  const weak = opts.negation === false ? [] : weakScopes(text);
  const hyp = opts.hypothetical === false ? [] : scopes(text, HYPOTHETICAL_CUE, SENTENCE_END);
  const ros = opts.reviewOfSystems === false ? [] : rosSections(text);
  return spans.map((s) => {
    if (!labels.includes(s.label)) return undefined;
    if (inside(s, neg) || weak.some(([a, b]) => s.start >= a && s.start < b)) return 'negated';
    if (inside(s, hyp)) return 'hypothetical';
    if (inside(s, ros) && !CAUSAL_CUE.test(sentenceAround(text, s.start, s.end))) return 'review-of-systems';
    return undefined;
  });
}

/** The spans that are kept: ADE predictions in a negated clause, a risk/hypothetical sentence or a review
 * of systems are removed (see the module comment); every other span is returned unchanged, in order. */
export function dropNegatedAdes(text: string, spans: readonly Span[], opts: NegationOptions = {}): Span[] {
  const why = contextDropReasons(text, spans, opts);
  return spans.filter((_, i) => why[i] === undefined);
}
