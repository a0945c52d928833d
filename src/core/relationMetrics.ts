import { suggestCausedBy, SuggestedRelation } from './model/relationBaseline';
import { Span } from './span';

/**
 * Relation scores as the ADE corpus defines its pairs: a relation is (row, ADE offsets, DRUG offsets), so a
 * predicted one counts only when both its spans equal gold spans exactly (label, start, end) and the gold
 * links those two. Micro-averaged over all relations. Used by `sidelight eval` and bench:relations.
 */

export interface Prf {
  tp: number;
  predicted: number;
  gold: number;
  precision: number;
  recall: number;
  f1: number;
}

export function prf(tp: number, predicted: number, gold: number): Prf {
  const precision = predicted ? tp / predicted : 0;
  const recall = gold ? tp / gold : 0;
  return { tp, predicted, gold, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** A gold row: its spans and its relations by span index (`from` the effect, `to` the drug). */
export interface RelationGoldRow {
  text: string;
  spans: readonly Span[];
  relations: readonly { from: number; to: number }[];
}

export type Linker = (text: string, spans: Span[]) => SuggestedRelation[];

const spanKey = (s: Span) => `${s.label}:${s.start}-${s.end}`;
const relationKey = (row: number, from: Span, to: Span) => `${row}|${spanKey(from)}|${spanKey(to)}`;

export function goldRelationKeys(rows: readonly RelationGoldRow[]): Set<string> {
  return new Set(rows.flatMap((r, i) => r.relations.map((x) => relationKey(i, r.spans[x.from], r.spans[x.to]))));
}

/** The linker's relations on the spans `spansOf` gives each row (the gold ones, or a model's), scored. */
export function scoreRelations(rows: readonly RelationGoldRow[], spansOf: (row: RelationGoldRow, i: number) => readonly Span[], link: Linker = suggestCausedBy): Prf {
  const gold = goldRelationKeys(rows);
  const predicted = new Set<string>();
  rows.forEach((r, i) => {
    const spans = [...spansOf(r, i)];
    for (const x of link(r.text, spans)) predicted.add(relationKey(i, spans[x.from], spans[x.to]));
  });
  const tp = [...predicted].filter((k) => gold.has(k)).length;
  return prf(tp, predicted.size, gold.size);
}

/** Gold relations whose two spans the model found exactly: the most any linker can reach on its spans. */
export function reachableRelations(rows: readonly RelationGoldRow[], predicted: readonly (readonly Span[])[]): number {
  return rows.reduce((n, r, i) => {
    const found = new Set(predicted[i].map(spanKey));
    return n + new Set(r.relations.filter((x) => found.has(spanKey(r.spans[x.from])) && found.has(spanKey(r.spans[x.to]))).map((x) => relationKey(i, r.spans[x.from], r.spans[x.to]))).size;
  }, 0);
}
