import { Span } from '../span';
import { addCuedAdes } from './cuedAdes';
import { dropNegatedAdes } from './negation';

/**
 * The context post-step applied to model predictions by default (the runner, the editor's whole-note pass,
 * the CLI and training/apply_negation.js all call this one function, so they cannot drift):
 *
 * 1. `addCuedAdes` (cuedAdes.ts) adds ADE spans that explicit wording names next to a drug — allergy
 *    entries with a reaction, "X caused Y", "Y secondary to X", "X-induced Y", "X toxicity", a drug stopped
 *    because of Y — where they overlap no prediction;
 * 2. then `dropNegatedAdes` (negation.ts) removes ADE spans in negated, hypothetical or review-of-systems
 *    context, the added ones included ("denies rash secondary to penicillin" ends with no ADE).
 *
 * The order matters: adding after dropping would bring back what context rules out. Pure and
 * deterministic; DRUG spans are never added, changed or removed.
 */
export function applyContextRules(text: string, spans: readonly Span[]): Span[] {
  return dropNegatedAdes(text, addCuedAdes(text, spans));
}

/** The two steps' explanations, re-exported so one compiled module serves training/apply_negation.js. */
export { findCuedAdes } from './cuedAdes';
export { contextDropReasons } from './negation';
