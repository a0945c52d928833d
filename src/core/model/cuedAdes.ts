import { compareSpans, Span } from '../span';

/**
 * Post-step on model predictions: ADDS ADE spans that the annotation guideline makes explicit by wording
 * (the annotation guideline, "ADE"; condensed in DEFAULT_LABEL_SCHEMA), where the model found the drug but not the effect. The
 * default model was trained mostly on abstract sentences and misses the forms notes use most:
 *
 * 1. **Allergy entries that name the reaction** (in an ALLERGIES section or a sentence saying "allergic",
 *    "allergy", "intolerant", "hypersensitivity"): a drug followed by a parenthesis ("Celecoxib (rash)",
 *    "MORPHINE (NAUSEA AND VOMITING)"), by a dash or colon ("Codeine - nausea"), or by "with" ("penicillin
 *    with hives"); "AMOXICILLIN CAUSES THROAT SWELLING" is rule 2.
 * 2. **Causal wording with the drug as subject**: "Sulfa caused blisters and rash", "Augmentin, which caused
 *    loose stools", "Codeine caused her to be excitable", "X has caused Y", "X gave him Y", "since starting
 *    X, he has gotten Y". Present tense ("causes", "gives") and outcome verbs ("resulted in", "led to") only
 *    in allergy context, with an object ("cause him to feel warm") or in a "which" clause: elsewhere "X
 *    causes Y" is usually counselling, a risk only discussed, and "X led to Y" as often a good outcome.
 *    Modals without "have" ("may cause") are never cues, for the same reason.
 * 3. **Causal wording with the effect first**: "Y secondary to X", "Y due to X", "Y caused by X", "Y induced
 *    by X", "Y because of X", "Y related to X", "Y, a side effect of X", "Y as a side effect of X" (not "a
 *    rare side effect of X": the word before is a modifier there), and in allergy context "Y from X"
 *    ("switching from X", "recovery from X" are common elsewhere) — only when the drug follows the cue (a
 *    few words like "chronic", "the", "use of" may sit between).
 * 4. **"X-induced Y"** (also "X induced Y", "X-associated Y", "X-related Y"): Y is the ADE.
 * 5. **"X toxicity"** (also "toxicity from/due to X"): "toxicity" is the ADE.
 * 6. **A drug stopped or switched because of an effect**: "Coumadin was held due to hematuria", "stopped the
 *    metformin because of diarrhea", "intolerant of X due to Y", "switched from X to Z due to Y".
 *
 * The drug is a predicted DRUG span or, in allergy context, a word the model may miss that the guideline
 * counts as a drug where it causes an ADE: a drug class ("sulfa", "steroids", "contrast", "ACE
 * inhibitors"…) or a generic-name suffix ("-cillin", "-pril", "-olol"…). A rule adds nothing without such an
 * anchor, so "latex (rash)", "NKDA", consent lists and review-of-systems lists add nothing.
 *
 * Spans follow the guideline: the minimal phrase (no determiner, possessive, hedge, frequency word or trailing
 * punctuation), one span per coordinated effect ("nausea", "vomiting"), the clause where a state word has no
 * noun ("INR was elevated secondary to Coumadin"), at most 5 words, letters only (a dose, a date or a number
 * is never an effect), and never a bare "allergy", "intolerance", "reaction", "unknown reaction", "side
 * effect", a drug or a word like "unknown" or "childhood". A span is added only where it overlaps no existing
 * span (a model prediction always wins) and no other added span.
 *
 * The patterns were written from the guideline, the team's reported examples and the notes TRAIN set (its ADEs
 * and its false-alarm risks), and narrowed on the abstracts TRAIN set (training/README.md, "Cued ADEs").
 *
 * This step only adds; run it BEFORE `dropNegatedAdes` (negation.ts) so that context still removes what it
 * rules out ("denies rash secondary to penicillin", "if she develops hives secondary to X"):
 * `applyContextRules` in contextRules.ts does both. Pure and deterministic: the same text and spans give the
 * same result.
 */

/** The score of an added span: not a model probability, but the rule's cue is explicit, so it is drawn
 * as a confident prediction (above the editor's default threshold 0.5). */
export const CUED_ADE_SCORE = 0.9;

export type CueKind = 'allergy-entry' | 'causal' | 'effect-first' | 'induced' | 'toxicity' | 'stopped';

export interface CuedAde {
  span: Span;
  cue: CueKind;
}

type Range = [number, number];

/** Drug classes and common drugs the guideline counts as DRUG where they cause an ADE (it names sulfa,
 * steroids, ACE inhibitor, contrast); the model, trained on generic names, often misses the classes. */
const DRUG_CLASS =
  /\b(?:sulfa(?:\s+(?:drugs?|medications?|antibiotics?))?|sulfonamides?|penicillins?|PCN|cephalosporins?|codeine|morphine|aspirin|NSAIDs?|steroids?|corticosteroids?|narcotics?|opiates?|opioids?|(?:IV\s+|iodinated\s+)?contrast(?:\s+(?:dye|media|agents?))?|ACE\s+inhibitors?|statins?|antibiotics?|chemotherapy)\b/gi;
/** Generic-name stems (WHO INN stems) that are (nearly) always drugs; "-caine" is left out (cocaine is not
 * a DRUG), "-terol" (cholesterol) and "-pine" (spine) too, and "ceph-" only as whole names ("cephalad" is an
 * anatomical direction). */
const DRUG_SUFFIX =
  /\b[A-Za-z]{2,}(?:cillin|mycin|micin|floxacin|cycline|pril|sartan|olol|statin|prazole|azole|dipine|apine|codone|morphone|azepam|zolam|triptan|profen|coxib|oxetine|tidine|semide|thiazide|parin|gliptin|glitazone|formin|afil|lukast|setron|platin|rubicin|taxel|triptyline|pramine|peridol|tanyl|tanil|adol|isone|asone|olone|dronate|penem|bactam|fungin|vir|mab|tinib|barbital)s?\b|\bcef[a-z]{4,}\b|\bceph(?:alexin|radine|alothin)\b/gi;

/** An "ALLERGIES:" header (also "DRUG ALLERGIES:", "Allergies to medicines:"); its scope runs to a blank
 * line or the next all-caps header. */
const ALLERGY_HEADER = /(?:^|\n)[ \t]*(?:(?:DRUG|MEDICATION|MEDICINE)\s+)?ALLERG(?:Y|IES)\b[^\n:]{0,30}:/gi;
const ALLERGY_SECTION_END = /\n[ \t]*\n|\n[ \t]*[A-Z][A-Z ,/&()-]{2,40}:/g;
/** A sentence that states an allergy or intolerance is allergy context too ("She is allergic to X (hives)"). */
const ALLERGY_WORD = /\b(?:allergic|allerg(?:y|ies)|intoleran(?:t|ce|ces)|hypersensitiv(?:e|ity))\b/gi;
const SENTENCE_BREAK = /[.?!;\n]/;

/** Rule 1: what may follow a drug in allergy context before the reaction. */
const ALLERGY_PAREN = /^[ \t]*(?:[,:-][ \t]*)?\(([^()\n]{1,80})\)/;
const ALLERGY_LINK = /^(?:[ \t]+(?:-+|–|—)[ \t]+|[ \t]*:[ \t]+|,?[ \t]*with[ \t]+|,?[ \t]*which\s+(?:gives?|gave)\s+)/i;

/** Rule 2: between the drug and the cue ("Medrol dose packs, which has caused", "Toprol reportedly
 * caused", "X may have caused"), then the cue itself. Group 1 is the cue. */
const SUBJECT_CUE = new RegExp(
  String.raw`^(?:\s*,)?(?:\s+(?:dose\s+packs?|use|therapy|treatment|injections?|infusions?|tablets?|pills?|patch(?:es)?|drip))?` +
    String.raw`(?:\s*,)?(?:\s+(?:which|that))?` +
    String.raw`(?:\s+(?:has|have|had|also|reportedly|possibly|probably|likely|apparently|allegedly|previously|both|all|each|may\s+have|might\s+have|could\s+have|seem(?:s|ed)?\s+to\s+have))*` +
    String.raw`\s+(caused|causes|cause|causing|resulted\s+in|results\s+in|resulting\s+in|led\s+to|leads\s+to|leading\s+to|produced|provoked|triggered|precipitated|induced(?!\s+(?:with|by)\b)|(?:gave|gives|give|made|makes|make)(?=\s+(?:him|her|them|me|the\s+patient)\b))\b`,
  'i',
);
/** Cues that are a habit, a statement or an outcome as often as an effect ("X causes weight gain" in
 * counselling, "X resulted in a reduction of…", "X led to his recovery"): only in allergy context, with an
 * object pronoun ("cause him to feel warm"), or in a "which" clause after the drug ("…, which led to Y"). */
const WEAK_CUE = /^(?:causes|cause|results\s+in|resulted\s+in|resulting\s+in|leads\s+to|led\s+to|leading\s+to|produced|provoked|triggered|precipitated|gives|give|makes|make)$/i;
const WHICH_CLAUSE = /\b(?:which|that)\b/i;
const OBJECT_NEXT = /^\s+(?:him|her|them|me|the\s+patient)\b/i;

/** Rule 2 also: "since starting X, he has gotten/developed/had Y" (a verb of onset is required, so "since
 * starting X her blood pressure is controlled" adds nothing). */
const SINCE_STARTING = /\bsince\s+(?:starting|beginning|initiating|taking|being\s+(?:on|started\s+on))\s+(?:the\s+|his\s+|her\s+)?$/i;
const ONSET_AFTER =
  /^\s*,?\s*(?:(?:he|she|they|the\s+patient|patient)\s+)?(?:(?:has|have|had|reports?|states?|notes?)\s+)*(?:gotten|become|became|developed|experienced|noticed|had|complained\s+of|suffered)\s+/i;

/** Rule 3: cues with the effect before them; the drug must follow, after at most a few of these words. */
const EFFECT_FIRST_CUE =
  /\b(?:secondary\s+to|due\s+to|caused\s+by|induced\s+by|because\s+of|related\s+to|attributed\s+to|attributable\s+to|(from))\s+|(?:,\s*|\bas\s+)an?\s+(?:(?:known|likely|possible|probable)\s+)?(?:side|adverse)\s+effects?\s+(?:of|from)\s+/gi;
const BEFORE_DRUG =
  /^(?:(?:the|his|her|their|chronic|long[- ]term|high[- ]dose|low[- ]dose|recent|prior|previous|IV|intravenous|oral|topical|systemic|inhaled|excessive|taking|starting|being\s+on|use\s+of|treatment\s+with|therapy\s+with|a|an)\s+){0,4}$/i;
const DRUG_NOT_CAUSE = /^[\s-]*(?:withdrawal|levels?|depletion|deficiency|concentrations?|clearance|metabolism|resistant|resistance|sensitive|susceptible)\b/i;
/** A risk, a plan or a possibility before the effect: not an ADE (the guideline's "risks only discussed"). */
const RISK_BEFORE = /\b(?:risks?|chance|possibility|concerns?|prevent\w*|prophylaxis|avoid\w*|potential|would|will|may|might|could|watch|monitor\w*)\b[^.;:!?\n]{0,30}$/i;

/** Rule 4 and 5: right after the drug. */
const INDUCED_AFTER = /^(?:-|–|\s)induced\s+|^(?:-|–)(?:associated|related)\s+/i;
const TOXICITY_AFTER = /^(?:-|\s)(toxicit(?:y|ies))\b/i;
const TOXICITY_BEFORE = /\b(toxicit(?:y|ies))\s+(?:from|due\s+to|secondary\s+to)\s+(?:the\s+)?$/i;

/** Rule 6: stopping or not tolerating a drug, then the reason. */
const STOP_CUE =
  /\b(?:discontinued|stopped|held|d\/c(?:'?d|ed)?|changed|switched|taken\s+off|came\s+off|weaned\s+off|(?:could|can|did|does|do)\s*(?:not|n't)\s+tolerate|unable\s+to\s+tolerate|intolerant\s+(?:to|of)|intolerance\s+(?:to|of))\b/gi;
const REASON_CUE = /\b(?:due\s+to|because\s+of|secondary\s+to|owing\s+to|after\s+(?:he|she|they|the\s+patient)\s+(?:developed|had|experienced))\s+/gi;
const REASON_NOT_EFFECT = /^(?:the\s+|a\s+)?(?:concerns?|risks?|fear|possibility|potential|possible)\b/i;
const CLAUSE_STOP = /[.;!?\n]/;
/** How far (characters) the drug may be from the stop word, and the reason from the stop word. */
const STOP_NEAR = 60;
const REASON_NEAR = 80;

// ---- effect phrases ----

/** "him to", "her to be", "to have": the object and linking verb after "cause(d)" are not the effect. */
const LEAD_OBJECT = /^\s*(?:(?:him|her|them|me|the\s+patient|patient)\s+)?(?:to\s+)?(?:(?:be|become|get|have|develop|experience)\s+)?/i;
/** Where an effect list after a cue ends: punctuation other than a comma, a clause word, or a preposition
 * ("caused hives when she was a child", "caused a rash on her arms"). "in" and "to" are kept where they
 * belong to the effect ("a rise in creatinine", "blood sugars to increase"). */
const RIGHT_END =
  /[.;:!?()[\]\n"]|\b(?:when|while|which|who|whom|whose|that|but|so|then|after|before|since|during|until|because|although|though|if|as|at|for|with|without|from|by|into|on|upon|despite|requiring|required|prompting|leading|resulting|per|is|was|were|are|has|had|have|he|she|they|we|it|this|these|there|(?<!\b(?:rise|increases?|decrease|elevations?|drop|changes?|spike|swelling)\s+)in|to(?!\s+(?:increase|rise|go\s+up|drop|fall|decrease|spike|climb)\b)|and\s+(?:the\s+patient|then|was|is|has|had|he|she|they|we|it|required|needed|resolved))\b/gi;
/** Where an effect phrase before a cue starts: punctuation other than a comma, or a word that introduces
 * it ("history of", "developed", "had", "was", "with", "for"…); "in", "on", "at" stay inside the effect
 * ("swelling in the throat", "rash on the arms"). */
const LEFT_START =
  /[.;:!?()[\]\n"]|\b(?:(?:history|h\/o|episodes?|evidence|signs?|symptoms?|complaints?|development|onset|cases?|risks?|chance|possibility|concerns?|occurrence|incidence|management|mechanisms?|factors?|role|reports?|treatment|presence|appearance|emergence|induction|pathogenesis|etiology|diagnosis|component)\s+of|with|has|had|have|having|is|was|were|are|been|be|being|became|become|becomes|denies|denied|deny|denying|no|any|states?|stated|developed|develops|developing|experienced|experiences|experiencing|reports?|reported|noted|notes|complains?\s+of|complained\s+of|suffered|suffers|suffering|presented\s+with|presents\s+with|showed|shows|demonstrated|which|who|that|he|she|they|patient|then|felt|thought|because|but|although|though|while|whereas|if|whether|unless|when|after|since|s\/p|for|also|now|includ(?:e|es|ed|ing))\b/gi;
/** "Glucose was elevated": a state word alone is an effect only with its subject (guideline, "Span"). */
const LINKING_VERB = /^(?:is|was|were|are|became|become|becomes|been)$/i;
const STATE_WORD =
  /^(?:(?:markedly|mildly|significantly|severely|very|slightly|rapidly)\s+)?(?:elevated|increased|decreased|raised|reduced|low|high|prolonged|abnormal|deranged|supratherapeutic|subtherapeutic|worse|worsened)$/i;
/** Hedges and linking verbs between an effect and an effect-first cue ("rash, most likely secondary to",
 * "rash was felt to be due to"). */
const HEDGE_TAIL =
  /(?:[\s,]+(?:is|was|were|are|been|being|be|felt|thought|believed|presumed|suspected|postulated|hypothesi[sz]ed|found|shown|considered|judged|determined|deemed|[a-z]+ly|most|almost|nearly|to|all|both|partially|partly))+[\s,]*$/i;
const COORDINATION = /\s*,\s*(?:and\s+|or\s+)?|\s+(?:and\/or|and|or|&)\s+|\s*\/\s*/gi;
/** Determiners, possessives, hedges and frequency words are not part of the effect (guideline, "Span"). */
const LEAD_STRIP =
  /^(?:(?:and|or|a|an|the|his|her|their|its|my|some|any|this|that|these|those|possible|possibly|probable|probably|likely|questionable|presumed|presumably|suspected|apparent|apparently|perhaps|occasional|occasionally|intermittent|intermittently|frequent|frequently|sometimes|often|also|still|now)\s+)+/i;
const TAIL_STRIP = /(?:\s+(?:likely|probably|possibly|perhaps|again|also|too|most))+$/i;
/** One to five words, letters only: a dose, a date or a count is never an effect. */
const EFFECT_SHAPE = /^[A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'-]*){0,4}$/;
/** Whole phrases that name no effect (bare words of the guideline, reasons that are not effects). */
const NOT_AN_EFFECT =
  /^(?:(?:(?:unknown|allergic|adverse|bad|drug|severe|mild|some|an?)\s+)*reactions?|none|nothing|it|this|that|these|those|them|him|her|one|two|three|four|five|injury|disease|morbidity|alterations?|changes?|damage|sequelae|syndrome|condition|disorder|abnormalit(?:y|ies)|problems?|issues?|trouble|symptoms?|complications?|effects?|(?:side|adverse)\s+effects?|results?|well|good|fine|ok|okay)$/i;
/** Words that make a phrase something other than an effect: negations and good news, unknowns, the
 * guideline's bare words, times,
 * reasons for stopping that are not effects, risks, and treatment words. */
const NOT_AN_EFFECT_WORD =
  /\b(?:no|not|never|without|potential|secondary|due|fewer|resolved|resolution|controlled|stable|normal|unchanged|difficult|symptoms|recovery|recovered|control|normali[sz]ation|normali[sz]ed|disappearance|remission|success|effective|use|reduction|effects?|events?|patients?|group|type|class|grade|stage|unresponsive|refractory|resistant|responsive|induced|related|mediated|unknown|unsure|uncertain|allerg\w*|intoleran\w*|sensitivit\w*|child|childhood|ago|remote|history|cost|insurance|surgery|procedure|pregnan\w*|compliance|noncompliance|npo|status|risks?|concerns?|efficacy|ineffective\w*|benefit|relief|improvement|improved|better|response|prophylaxis|prevention|admission|treatment|therapy|dose|doses|dosing|medications?|medicines?|prescription)\b/i;
/** Words that make a phrase a clause fragment, not an effect ("diagnosed based", "should be readily
 * available", "However"): auxiliaries, discourse words and reporting verbs. */
const CLAUSE_WORD =
  /\b(?:should|shall|may|might|can|could|would|will|must|occurs?|occurred|occurring|is|was|are|were|be|been|being|seems?|seemed|appears?|appeared|especially|particularly|however|hence|thus|therefore|moreover|furthermore|which|there|based|including|such|than|whether|diagnosed|described|reported|observed|documented|confirmed|suggested|suggests|associated|characterized|manifested|manifesting|presenting|followed|accompanied|discuss|describe|report|we|our|i)\b/i;
/** Modifiers that name no effect on their own ("severe and fatal toxicities" cannot be split; "a rare side
 * effect"): a phrase made only of these is not an effect. */
const MODIFIERS_ONLY =
  /^(?:(?:clinical|clinically|severe|fatal|significant|serious|potentially|even|new|main|major|minor|rare|common|commonly|mild|moderate|marked|transient|acute|chronic|possible|potential|known|very|extremely|rapid|gradual|slight|further|additional|other|various|several|multiple|similar|first|second|late|early|prolonged|persistent|recurrent|unusual|typical|atypical)\s*)+$/i;
/** A phrase ending in an adverb is a fragment ("chemically", "almost certainly"); "-megaly" and "anomaly"
 * are nouns. */
const ADVERB_LAST = /[a-z]{2,}(?<!megal|anomal)ly$/i;
/** A first word that is an action on the patient or the drug, not an effect ("admitted due to X",
 * "weaned from X"). */
const ACTION_FIRST =
  /^(?:admitted|hospitali[sz]ed|held|stopped|discontinued|changed|started|switched|given|treated|placed|transferred|brought|seen|taken|weaned|transitioned|converted|removed|discharged|withdrawn|tapered|recovered|recovery|prescribed|ordered|continued|restarted|resumed|received|receiving|taking|using|used|on|off|needed|required|requiring|sent|referred|evaluated|done|performed|scheduled|due|protection|abstinence|withdrawal|away|free|came|went|go|get|got|derived|isolated|cleared|exacerbated|worsened|aggravated|enhanced|potentiated|reversed|prevented|switch|switching|switches|transition|conversion|attempted|led|feel(?=\s+(?:better|well|good|fine)\b))\b/i;
/** Phrases before an effect-first cue may be longer than one effect ("nausea, vomiting and diarrhea"), but
 * not a whole clause. */
const MAX_LEFT_WORDS = 10;

// ---- helpers ----

function allMatches(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

function firstMatch(re: RegExp, text: string, from: number): RegExpExecArray | null {
  re.lastIndex = from;
  return re.exec(text);
}

const overlaps = (a: Range, b: Range) => a[0] < b[1] && b[0] < a[1];

/** What the rules read about one note: its text, the drug mentions to anchor on, the spans already there
 * (an effect the model found is a list member, not the end of the list) and the allergy context. */
interface Note {
  text: string;
  drugs: Range[];
  predicted: Range[];
  inAllergy: (i: number) => boolean;
}

/** Drug mentions a rule can anchor on: predicted DRUG spans and, in allergy context only, class and suffix
 * words that overlap no span. Only there: in prose "chemotherapy", "steroid therapy" or "antibiotics" are
 * often a treatment named for its course, not the drug blamed, and the abstracts corpus never labels them. */
function anchors(text: string, spans: readonly Span[], inAllergy: (i: number) => boolean): Range[] {
  const out: Range[] = spans.filter((s) => s.label === 'DRUG').map((s) => [s.start, s.end]);
  for (const re of [DRUG_CLASS, DRUG_SUFFIX]) {
    for (const m of allMatches(re, text)) {
      const r: Range = [m.index, m.index + m[0].length];
      if (inAllergy(r[0]) && !spans.some((s) => overlaps(r, [s.start, s.end])) && !out.some((a) => overlaps(r, a))) out.push(r);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** [start, end) of allergy context: ALLERGIES sections and sentences stating an allergy or intolerance. */
function allergyScopes(text: string): Range[] {
  const out: Range[] = [];
  for (const m of allMatches(ALLERGY_HEADER, text)) {
    const s = m.index + m[0].length;
    const end = firstMatch(ALLERGY_SECTION_END, text, s);
    out.push([s, Math.min(end ? end.index : text.length, s + 1000)]);
  }
  for (const m of allMatches(ALLERGY_WORD, text)) {
    let a = m.index;
    while (a > 0 && !SENTENCE_BREAK.test(text[a - 1])) a--;
    let b = m.index + m[0].length;
    while (b < text.length && !SENTENCE_BREAK.test(text[b])) b++;
    out.push([a, b]);
  }
  return out;
}

/** Trims whitespace, determiners, hedges and trailing punctuation off text[a, b). */
function trimEffect(text: string, a: number, b: number): Range {
  for (;;) {
    const before: Range = [a, b];
    while (a < b && /\s/.test(text[a])) a++;
    while (b > a && /[\s,.;:!?'"-]/.test(text[b - 1])) b--;
    const lead = LEAD_STRIP.exec(text.slice(a, b));
    if (lead) a += lead[0].length;
    const tail = TAIL_STRIP.exec(text.slice(a, b));
    if (tail) b -= tail[0].length;
    if (a === before[0] && b === before[1]) return [a, b];
  }
}

/** Whether text[a, b) can be an ADE span: an effect-shaped phrase that is not a drug, a bare word or a
 * clause fragment. */
function isEffect(n: Note, [a, b]: Range): boolean {
  if (b <= a) return false;
  const phrase = n.text.slice(a, b);
  if (!EFFECT_SHAPE.test(phrase) || NOT_AN_EFFECT.test(phrase) || NOT_AN_EFFECT_WORD.test(phrase) || ACTION_FIRST.test(phrase)) return false;
  if (CLAUSE_WORD.test(phrase) || MODIFIERS_ONLY.test(phrase) || ADVERB_LAST.test(phrase)) return false;
  return !n.drugs.some((d) => overlaps(d, [a, b]));
}

/** The coordinated parts of text[a, b) ("nausea and vomiting", "blisters, rash"), trimmed. */
function coordinatedParts(text: string, a: number, b: number): Range[] {
  const parts: Range[] = [];
  let s = a;
  for (const m of allMatches(COORDINATION, text.slice(a, b))) {
    parts.push(trimEffect(text, s, a + m.index));
    s = a + m.index + m[0].length;
  }
  parts.push(trimEffect(text, s, b));
  return parts.filter(([x, y]) => y > x);
}

/** The effects of a list, in order: it ends at the first part that is not an effect; a part the model
 * already labelled counts as a member of the list but is left to the model. */
function listEffects(n: Note, parts: Range[]): Range[] {
  const out: Range[] = [];
  for (const p of parts) {
    if (!isEffect(n, p)) break;
    if (!n.predicted.some((q) => overlaps(q, p))) out.push(p);
  }
  return out;
}

/** Effects named from `from` on ("loose stools", "him to feel warm and itchy"): the list up to the first
 * clause end. */
function effectsAfter(n: Note, from: number): Range[] {
  const lead = LEAD_OBJECT.exec(n.text.slice(from, from + 40));
  const start = from + (lead ? lead[0].length : 0);
  const endMatch = firstMatch(RIGHT_END, n.text, start);
  const end = Math.min(endMatch ? endMatch.index : n.text.length, start + 100);
  return listEffects(n, coordinatedParts(n.text, start, end));
}

/** Effects named just before `to` (an effect-first cue): back to the word that introduces them, nearest
 * first. Nothing after a risk or a modal, nothing from a whole clause. A state word alone after a linking
 * verb is the guideline's clause form: "INR was elevated secondary to Coumadin" gives "INR was elevated". */
function effectsBefore(n: Note, to: number): Range[] {
  const text = n.text;
  const window = Math.max(0, to - 160);
  const tail = HEDGE_TAIL.exec(text.slice(window, to));
  const end = tail ? window + tail.index : to;
  let start = window;
  let before = window; // the start before the last introducing word
  let last: RegExpExecArray | undefined;
  LEFT_START.lastIndex = window;
  let m: RegExpExecArray | null;
  while ((m = LEFT_START.exec(text)) && m.index + m[0].length <= end) {
    before = start;
    start = m.index + m[0].length;
    last = m;
    if (m[0].length === 0) LEFT_START.lastIndex++;
  }
  if (start === window && window > 0) return []; // no introducing word within reach: too long to be one phrase
  if (RISK_BEFORE.test(text.slice(Math.max(0, start - 40), start))) return [];
  if (text.slice(start, end).trim().split(/\s+/).length > MAX_LEFT_WORDS) return [];
  const state = trimEffect(text, start, end);
  if (last && LINKING_VERB.test(last[0]) && STATE_WORD.test(text.slice(state[0], state[1]))) {
    const subject = trimEffect(text, before, last.index);
    return isEffect(n, subject) && !n.predicted.some((q) => overlaps(q, subject)) ? [[subject[0], state[1]]] : [];
  }
  return listEffects(n, coordinatedParts(text, start, end).reverse()).reverse();
}

// ---- the rules ----

/** Rule 1. A parenthesis is read part by part ("(rash, 2005)" still names a rash); an all-caps part after
 * a drug that is not written in capitals is an abbreviation ("carboplatin (CBDCA)"), not a reaction. */
function allergyEntries(n: Note): Range[] {
  const out: Range[] = [];
  for (const [s, e] of n.drugs) {
    if (!n.inAllergy(e)) continue;
    const rest = n.text.slice(e, e + 120);
    const paren = ALLERGY_PAREN.exec(rest);
    if (paren) {
      const innerStart = e + paren[0].length - 1 - paren[1].length;
      const drugInCaps = n.text.slice(s, e) === n.text.slice(s, e).toUpperCase();
      for (const p of coordinatedParts(n.text, innerStart, innerStart + paren[1].length)) {
        const words = n.text.slice(p[0], p[1]);
        const abbreviation = !drugInCaps && words === words.toUpperCase();
        if (!abbreviation && !n.predicted.some((q) => overlaps(q, p)) && isEffect(n, p)) out.push(p);
      }
      continue;
    }
    const link = ALLERGY_LINK.exec(rest);
    if (link) out.push(...effectsAfter(n, e + link[0].length));
  }
  return out;
}

/** Rule 2. */
function drugAsSubject(n: Note): Range[] {
  const out: Range[] = [];
  for (const [s, e] of n.drugs) {
    const m = SUBJECT_CUE.exec(n.text.slice(e, e + 120));
    if (m) {
      const after = e + m[0].length;
      const weak = WEAK_CUE.test(m[1]) && !n.inAllergy(e) && !OBJECT_NEXT.test(n.text.slice(after, after + 20)) && !WHICH_CLAUSE.test(m[0]);
      if (!weak) out.push(...effectsAfter(n, after));
    }
    const onset = SINCE_STARTING.test(n.text.slice(Math.max(0, s - 40), s)) && ONSET_AFTER.exec(n.text.slice(e, e + 80));
    if (onset) out.push(...effectsAfter(n, e + onset[0].length));
  }
  return out;
}

/** The drug that starts right after `from` (after a few words like "chronic", "the"), if any. */
function drugAfter(n: Note, from: number): Range | undefined {
  const d = n.drugs.find(([s]) => s >= from && s - from <= 60 && BEFORE_DRUG.test(n.text.slice(from, s)));
  return d && !DRUG_NOT_CAUSE.test(n.text.slice(d[1], d[1] + 20)) ? d : undefined;
}

/** Rule 3. */
function effectFirst(n: Note): Range[] {
  const out: Range[] = [];
  for (const m of allMatches(EFFECT_FIRST_CUE, n.text)) {
    if (m[1] && !n.inAllergy(m.index)) continue; // "from" is a cue only in allergy context ("hives from penicillin")
    if (drugAfter(n, m.index + m[0].length)) out.push(...effectsBefore(n, m.index));
  }
  return out;
}

/** Rule 4. */
function induced(n: Note): Range[] {
  const out: Range[] = [];
  for (const [, e] of n.drugs) {
    const m = INDUCED_AFTER.exec(n.text.slice(e, e + 20));
    if (m) out.push(...effectsAfter(n, e + m[0].length));
  }
  return out;
}

/** Rule 5. */
function toxicity(n: Note): Range[] {
  const out: Range[] = [];
  for (const [s, e] of n.drugs) {
    const m = TOXICITY_AFTER.exec(n.text.slice(e, e + 20));
    if (m) out.push([e + m[0].length - m[1].length, e + m[0].length]);
    const from = Math.max(0, s - 40);
    const b = TOXICITY_BEFORE.exec(n.text.slice(from, s));
    if (b) out.push([from + b.index, from + b.index + b[1].length]);
  }
  return out;
}

function clauseAround(text: string, i: number): Range {
  let a = i;
  while (a > 0 && !CLAUSE_STOP.test(text[a - 1])) a--;
  let b = i;
  while (b < text.length && !CLAUSE_STOP.test(text[b])) b++;
  return [a, b];
}

/** Rule 6: a stop word, a drug near it in the same clause, then a reason. */
function stoppedBecause(n: Note): Range[] {
  const out: Range[] = [];
  for (const stop of allMatches(STOP_CUE, n.text)) {
    const stopEnd = stop.index + stop[0].length;
    const [cs, ce] = clauseAround(n.text, stop.index);
    const reason = firstMatch(REASON_CUE, n.text, stopEnd);
    if (!reason || reason.index >= ce || reason.index - stopEnd > REASON_NEAR) continue;
    const near = ([s, e]: Range) => s >= cs && e <= reason.index && (Math.abs(s - stopEnd) <= STOP_NEAR || Math.abs(stop.index - e) <= STOP_NEAR);
    const from = reason.index + reason[0].length;
    if (n.drugs.some(near) && !REASON_NOT_EFFECT.test(n.text.slice(from, from + 30))) out.push(...effectsAfter(n, from));
  }
  return out;
}

/** The ADE spans the cue rules would add, with the rule that found each (for measuring the rules). */
export function findCuedAdes(text: string, spans: readonly Span[]): CuedAde[] {
  const allergy = allergyScopes(text);
  const inAllergy = (i: number) => allergy.some(([a, b]) => i >= a && i <= b);
  const n: Note = {
    text,
    drugs: anchors(text, spans, inAllergy),
    predicted: spans.filter((s) => s.label !== 'DRUG').map((s) => [s.start, s.end]),
    inAllergy,
  };
  const found: [CueKind, Range[]][] = [
    ['allergy-entry', allergyEntries(n)],
    ['causal', drugAsSubject(n)],
    ['induced', induced(n)],
    ['toxicity', toxicity(n)],
    ['effect-first', effectFirst(n)],
    ['stopped', stoppedBecause(n)],
  ];
  const taken: Range[] = spans.map((s) => [s.start, s.end]);
  const out: CuedAde[] = [];
  for (const [cue, ranges] of found) {
    for (const r of ranges) {
      if (taken.some((t) => overlaps(t, r))) continue;
      taken.push(r);
      out.push({ cue, span: { label: 'ADE', start: r[0], end: r[1], text: text.slice(r[0], r[1]), score: CUED_ADE_SCORE } });
    }
  }
  return out.sort((a, b) => compareSpans(a.span, b.span));
}

/** The spans with the cued ADEs added (see the module comment), sorted by position; the input spans are
 * returned unchanged (same objects) and a span is added only where it overlaps none of them. */
export function addCuedAdes(text: string, spans: readonly Span[]): Span[] {
  const added = findCuedAdes(text, spans).map((c) => c.span);
  return added.length ? [...spans, ...added].sort(compareSpans) : [...spans];
}
