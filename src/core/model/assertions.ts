import { ASSERTION_ATTRIBUTE, attributesFor, type AssertionValue, type LabelSchema } from '../annotations/labelSchema';
import { type AnnotationSpan, spanEnd, spanStart } from '../annotations/sidecar';
import { Span } from '../span';
import { contextDropReasons } from './negation';

/**
 * Suggests the `assertion` attribute of spans (the i2b2 2010 classes) from the context rules the model's
 * post-step already applies (negation.ts), so that a span the user labels or keeps gets the value those
 * rules imply instead of a silent `present`:
 * - negated ("denies nausea", "no rash") → `absent`;
 * - a risk or consent discussion, a conditional mention ("watch for bleeding", "if she develops hives")
 *   → `hypothetical`;
 * - a family member's ("FAMILY HISTORY:" section, "her mother had hives") → `associated_with_someone_else`;
 * - anything else → `present`. A review of systems is no assertion of its own: a finding listed there
 *   is present unless it is negated.
 * Rules are tried in that order (a negated family mention, "no family history of rash", is absent).
 * Pure; works for any label (negation.ts's rules are applied to every span given, not to ADE only).
 */

/** Family history: from a "FAMILY HISTORY" header to the next header line (a capitalised word and a colon). */
const FAMILY_SECTION = /(?:^|\n)[ \t]*FAMILY\s+HISTORY\b[^\n]*/gi;
const NEXT_HEADER = /\n[ \t]*[A-Z][A-Z /&]{2,40}:/g;
/** A relative named in the same sentence as the subject of the mention. */
const RELATIVE_CUE =
  /\b(?:family\s+history|(?:his|her|their|patient'?s|maternal|paternal)\s+(?:mother|father|sister|brother|son|daughter|aunt|uncle|grandmother|grandfather|cousin|parents?|siblings?|children|twin)|(?:mother|father|sister|brother)\s+(?:had|has|with|developed|died))\b/gi;
const SENTENCE_END = /[.?!;](?=\s|$)|\n\s*\n/g;

function familyScopes(text: string): [number, number][] {
  const out: [number, number][] = [];
  FAMILY_SECTION.lastIndex = 0;
  for (let m = FAMILY_SECTION.exec(text); m; m = FAMILY_SECTION.exec(text)) {
    const start = m.index;
    NEXT_HEADER.lastIndex = start + m[0].length;
    const next = NEXT_HEADER.exec(text);
    out.push([start, next ? next.index : text.length]);
  }
  RELATIVE_CUE.lastIndex = 0;
  for (let m = RELATIVE_CUE.exec(text); m; m = RELATIVE_CUE.exec(text)) {
    // The sentence holding the cue, both ways: "hives, as her mother had" and "her mother had hives".
    let a = m.index;
    while (a > 0 && !/[.?!;\n]/.test(text[a - 1])) a--;
    SENTENCE_END.lastIndex = m.index + m[0].length;
    const end = SENTENCE_END.exec(text);
    out.push([a, end ? end.index : text.length]);
  }
  return out;
}

export function suggestAssertions(text: string, spans: readonly Span[]): AssertionValue[] {
  const labels = [...new Set(spans.map((s) => s.label))];
  const why = contextDropReasons(text, spans, { labels });
  const family = familyScopes(text);
  return spans.map((s, i) => {
    if (why[i] === 'negated') return 'absent';
    if (family.some(([a, b]) => s.start >= a && s.end <= b)) return 'associated_with_someone_else';
    if (why[i] === 'hypothetical') return 'hypothetical';
    return 'present';
  });
}

/**
 * The assertion the context rules suggest for a labelled span, for the editor to offer (hover: Accept /
 * Reject): only when the schema gives the span's label an `assertion` attribute holding that value, the
 * span has no value set (a person's decision, "present" included, is never second-guessed), and the rules
 * find something other than the default. Undefined otherwise.
 */
export function suggestedAssertion(text: string, span: AnnotationSpan, schema: LabelSchema): { name: string; value: string; current: string | undefined } | undefined {
  const def = attributesFor(schema, span.label).find((d) => d.name === ASSERTION_ATTRIBUTE);
  if (!def || span.attributes?.[def.name] !== undefined || span.flags.includes('orphan') || span.status === 'rejected') return undefined;
  const end = spanEnd(span);
  if (end > text.length) return undefined;
  const [value] = suggestAssertions(text, [{ label: span.label, start: spanStart(span), end, text: text.slice(spanStart(span), end) }]);
  if (value === (def.default ?? 'present') || (def.values && !def.values.includes(value))) return undefined;
  return { name: def.name, value, current: def.default };
}
