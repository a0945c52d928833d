import { Span } from '../span';
import { LOOK_BACK, sentenceRanges } from './relationBaseline';

/**
 * Where a reader should look for side effects: finding the notes that hold them and the sentences that name
 * them was most of the labelling time in round 3 (data/notes-labelled/README.md, "What slowed me down"): the
 * model misses effects told a clause or a sentence away from their drug, and a cue-word grep drowns in
 * procedure notes ("anesthesia was induced"), consents and negations. A note's leads are
 *
 * - its **predicted ADEs** (model plus context post-step, as drawn in the editor), and
 * - its **cue sentences**: a sentence with causal or effect wording ("caused", "side effect", "made her feel",
 *   "did not tolerate", "stopped … because", "-induced", "secondary to", "toxicity"…) where a drug is named
 *   in it or in the `LOOK_BACK` sentences before (the caused_by suggestion's look-back: notes tell the
 *   drug first, "was started on Avonex. … However, it made her feel stiff"), that is not a risk, consent
 *   or negation sentence, and holds no ADE yet (predicted or labelled): there the model may have missed one.
 *
 * A note's score is the sum of its predicted ADEs' scores plus CUE_WEIGHT per cue sentence: a cue sentence
 * is about half as likely as a prediction to hold a side effect. Measured by bench/leads.bench.ts
 * (docs/leads.md). Pure: the same text and spans give the same leads.
 */

export interface Lead {
  kind: 'predicted' | 'cue';
  /** The predicted ADE's offsets, or the cue sentence's (trimmed). */
  start: number;
  end: number;
  /** For a cue sentence: the cue wording found in it. */
  cue?: string;
  score: number;
}

export interface NoteLeads {
  score: number;
  predicted: number;
  cueSentences: number;
  /** In text order. */
  leads: Lead[];
}

export interface LeadOptions {
  effect?: string;
  drug?: string;
}

/** Causal or effect wording: the forms the labelled notes' ADEs were told in. Allergy lines are left out: a
 * bare allergy is no ADE by the guideline, and the cued-ADE rules already predict the ones naming a reaction. */
const CUE =
  /\b(?:caus(?:ed|ing)|side[- ]effects?|adverse|made\s+(?:him|her|them|me)\s+(?:feel|sick|dizzy|nauseated)|intoleran(?:t|ce)|(?:did\s+not|didn't|unable\s+to|could\s+not)\s+tolerate|reactions?\s+to|toxicity|-induced|induced\s+(?!with)|secondary\s+to|due\s+to|because\s+of|(?:stopped|discontinued|held|switched)\b[^.]{0,60}\b(?:because|due|secondary)|since\s+(?:starting|discontinu\w+|stopping))\b/i;
/** Sentences that discuss a risk or a drug's side-effect profile, ask consent, negate ("no adverse effects",
 * "without side effects") or describe an induction of anaesthesia: the guideline's "not an ADE" cases. */
const NOT_AN_EVENT =
  /\b(?:risks?|consent|benefits|(?:may|can|could)\s+cause|possible|potential|if\s+(?:he|she|they)|watch\s+for|monitor\s+for|side[- ]effect\s+profile|anesthesia\s+was\s+induced|induction|denies|no\s+known|(?:no|without(?:\s+any)?)\s+(?:adverse|side[- ]effects?|complications?))\b/i;

/** What a cue sentence counts for against a predicted ADE (score 0–1) in a note's score. */
export const CUE_WEIGHT = 0.5;

/** A span of the note that a person decided on: accepted, or rejected (a pending suggestion is not). */
export interface DecidedSpan {
  label: string;
  start: number;
  end: number;
  rejected: boolean;
}

/**
 * The leads of one note. `predicted`: the model's spans for the text (after the context post-step);
 * `decided`: the note's labels a person already decided on. A prediction overlapping a decision is no lead
 * (it was reviewed), nor is a sentence holding an ADE, predicted or decided either way; an accepted DRUG
 * anchors a cue sentence like a predicted one, a rejected one does not.
 */
export function noteLeads(text: string, predicted: readonly Span[], decided: readonly DecidedSpan[] = [], options: LeadOptions = {}): NoteLeads {
  const effect = options.effect ?? 'ADE';
  const drug = options.drug ?? 'DRUG';
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  const open = predicted.filter((p) => !decided.some((d) => overlaps(p, d)));
  const ades = [...open, ...decided].filter((s) => s.label === effect);
  const drugs = [...open, ...decided.filter((d) => !d.rejected)].filter((s) => s.label === drug);
  const leads: Lead[] = open.filter((s) => s.label === effect).map((s) => ({ kind: 'predicted', start: s.start, end: s.end, score: s.score ?? 1 }));
  const sentences = sentenceRanges(text).map(([a, b]) => trimmed(text, a, b)).filter(([a, b]) => b > a);
  sentences.forEach(([start, end], k) => {
    const sentence = text.slice(start, end);
    const cue = CUE.exec(sentence);
    if (!cue || NOT_AN_EVENT.test(sentence)) return;
    if (ades.some((s) => overlaps(s, { start, end }))) return;
    const from = sentences[Math.max(0, k - LOOK_BACK)][0];
    if (!drugs.some((s) => s.start >= from && s.end <= end)) return;
    leads.push({ kind: 'cue', start, end, cue: cue[0], score: CUE_WEIGHT });
  });
  leads.sort((x, y) => x.start - y.start || x.end - y.end);
  const score = leads.reduce((n, l) => n + l.score, 0);
  return { score, predicted: leads.filter((l) => l.kind === 'predicted').length, cueSentences: leads.filter((l) => l.kind === 'cue').length, leads };
}

/** Notes by score, highest first; ties by key, so the order is stable. Notes with no lead are left out. */
export function rankByLeads<T extends { key: string; leads: NoteLeads }>(notes: readonly T[]): T[] {
  return notes.filter((n) => n.leads.leads.length > 0).sort((a, b) => b.leads.score - a.leads.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function trimmed(text: string, a: number, b: number): [number, number] {
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  return [a, b];
}
