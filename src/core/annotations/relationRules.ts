import { suggestCausedBy } from '../model/relationBaseline';
import { AttributeDefinition, CAUSED_BY, LabelSchema, RelationTypeDefinition } from './labelSchema';
import { AnnotationRelation, AnnotationSpan, quoteDisplay, spanEnd, spanStart } from './sidecar';
import { englishL10n, type L10n } from '../l10n';

/**
 * What the label schema allows between spans and on them, for the editor's *Link to…* and *Set
 * attribute…*: the store itself stores any relation type and attribute (a schema change never loses one).
 */

/** Spans that can be linked or carry attributes: not orphans (no place in the text), not rejected. */
const usable = (s: AnnotationSpan) => s.status !== 'rejected' && !s.flags.includes('orphan');

/** The relation types that may start at a span of `label`. */
export function relationTypesFrom(schema: LabelSchema, label: string): RelationTypeDefinition[] {
  return (schema.relations ?? []).filter((t) => t.from.includes(label));
}

export interface LinkCandidate {
  span: AnnotationSpan;
  /** Characters between the two spans' nearest edges (0 when they overlap). */
  distance: number;
  /** Already linked to `from` by this type. */
  linked: boolean;
}

/**
 * The spans a relation of `type` may end at, from the span `from`: the type's `to` labels, nearest first
 * (ties: the one before), with those already linked marked rather than left out (picking one again is
 * a no-op the user can see).
 */
export function linkCandidates(
  type: RelationTypeDefinition,
  from: AnnotationSpan,
  spans: readonly AnnotationSpan[],
  relations: readonly AnnotationRelation[],
): LinkCandidate[] {
  const a = [spanStart(from), spanEnd(from)];
  return spans
    .filter((s) => s.id !== from.id && usable(s) && type.to.includes(s.label))
    .map((span) => {
      const [s, e] = [spanStart(span), spanEnd(span)];
      const distance = e <= a[0] ? a[0] - e : s >= a[1] ? s - a[1] : 0;
      const linked = relations.some((r) => r.type === type.name && r.from === from.id && r.to === span.id);
      return { span, distance, linked };
    })
    .sort((x, y) => x.distance - y.distance || spanStart(x.span) - spanStart(y.span));
}

/** The relation problem of linking `from` to `to` by `type`, or undefined when the schema allows it. */
export function linkProblem(schema: LabelSchema, typeName: string, from: AnnotationSpan, to: AnnotationSpan): string | undefined {
  const type = (schema.relations ?? []).find((t) => t.name === typeName);
  if (!type) return `labels.json has no relation type "${typeName}"`;
  if (!type.from.includes(from.label)) return `a ${typeName} relation starts at ${type.from.join(' or ')}, not ${from.label}`;
  if (!type.to.includes(to.label)) return `a ${typeName} relation ends at ${type.to.join(' or ')}, not ${to.label}`;
  if (from.id === to.id) return 'a span cannot be linked to itself';
  if (!usable(from) || !usable(to)) return 'orphaned and rejected spans cannot be linked';
  return undefined;
}


/** Why `value` is not a value of the attribute, or undefined when it is (any non-empty text for a free one). */
export function attributeValueProblem(def: AttributeDefinition, value: string, l10n: L10n = englishL10n): string | undefined {
  if (def.values) return def.values.includes(value) ? undefined : l10n.t('"{0}" is not a value of {1} ({2})', value, def.name, def.values.join(', '));
  return value.trim() ? undefined : l10n.t('{0} needs a value', def.name);
}

/** A span's value of an attribute: set on it, else the schema's default. */
export function attributeValue(span: AnnotationSpan, def: AttributeDefinition): string | undefined {
  return span.attributes?.[def.name] ?? def.default;
}

export interface RelationLine {
  relation: AnnotationRelation;
  /** The span at the other end, undefined when it is gone (a dangling relation). */
  other?: AnnotationSpan;
  /** `caused by lisinopril` (outgoing) or `rash caused by this` (incoming). */
  text: string;
}

/**
 * The relations of a span as a user reads them in its hover, outgoing first: "caused by lisinopril",
 * "rash caused by this"; one whose other end is gone says so (kept, never dropped: see danglingRelations).
 */
export function relationLines(span: AnnotationSpan, spans: readonly AnnotationSpan[], relations: readonly AnnotationRelation[], l10n: L10n = englishL10n): RelationLine[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const words = (type: string) => type.replace(/_/g, ' ');
  const name = (s: AnnotationSpan | undefined) =>
    s ? (s.flags.includes('orphan') ? l10n.t('{0} (orphaned)', quoteDisplay(s.quote)) : quoteDisplay(s.quote)) : l10n.t('a label that is no longer there');
  const out: RelationLine[] = [];
  for (const r of relations) if (r.from === span.id) out.push({ relation: r, other: byId.get(r.to), text: `${words(r.type)} ${name(byId.get(r.to))}` });
  for (const r of relations) if (r.to === span.id) out.push({ relation: r, other: byId.get(r.from), text: l10n.t('{0} {1} this', name(byId.get(r.from)), words(r.type)) });
  return out;
}

/**
 * The `caused_by` links to suggest for the spans a model just suggested (`newIds`): the baseline's (nearest
 * DRUG of the sentence, and the drugs coordinated with it) over the note's usable spans, kept where the
 * effect is one of the new suggestions and the schema has a `caused_by` type from its label to the drug's.
 */
export function suggestedLinks(text: string, spans: readonly AnnotationSpan[], newIds: ReadonlySet<string>, schema: LabelSchema): { type: string; from: string; to: string }[] {
  const type = (schema.relations ?? []).find((t) => t.name === CAUSED_BY);
  if (!type) return [];
  const candidates = spans.filter(usable).filter((s) => s.fragments.length === 1);
  const flat = candidates.map((s) => ({ label: s.label, start: spanStart(s), end: spanEnd(s), text: s.quote.text }));
  return suggestCausedBy(text, flat, { effect: type.from[0], drug: type.to[0] })
    .map((r) => ({ from: candidates[r.from], to: candidates[r.to] }))
    .filter(({ from, to }) => newIds.has(from.id) && type.from.includes(from.label) && type.to.includes(to.label))
    .map(({ from, to }) => ({ type: type.name, from: from.id, to: to.id }));
}
