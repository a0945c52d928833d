import type { AnnotationRelation, AnnotationSpan, Sidecar, SpanVote } from './sidecar';

/**
 * Each annotator's word on a span: who asserted it and who rejected it, with time (sidecar version 3).
 *
 * A span's `status` and `author` are the shared layer (the last decision, what everyone sees outside blind
 * mode and what an ordinary export writes); its votes are every annotator's own decision, one per author,
 * kept through later decisions of others and through sync merges. Agreement and adjudication read votes.
 *
 * A span written before votes existed, or whose only vote is its last decision, has no `votes` field: its
 * vote is implied by `author` and `status` (`impliedVotes`), so single-annotator sidecars stay as they were.
 */

export type Verdict = 'accepted' | 'rejected';

/**
 * The fields votes live in: a sidecar span has them, and so does the sync's item of unknown shape
 * (merge.ts), whose values are checked here rather than trusted.
 */
export interface VotedItem {
  id: string;
  votes?: unknown;
  author?: unknown;
  status?: unknown;
  updatedAt?: unknown;
}

function isVote(v: unknown): v is SpanVote {
  if (typeof v !== 'object' || v === null) return false;
  const { author, verdict, at } = v as Record<string, unknown>;
  return typeof author === 'string' && (verdict === 'accepted' || verdict === 'rejected') && typeof at === 'string';
}

/**
 * Whether the item's votes can be read without losing anything: a known status, and votes (if written) that
 * are all well formed. The sync merges votes per annotator only then; anything else is merged whole.
 */
export function votesReadable(item: VotedItem): boolean {
  const known = item.status === 'suggested' || item.status === 'accepted' || item.status === 'rejected';
  return known && (item.votes === undefined || (Array.isArray(item.votes) && item.votes.every(isVote)));
}

/** The votes of a span: the written ones, or the one its `author` and `status` imply. */
export function votesOf(item: VotedItem): SpanVote[] {
  return Array.isArray(item.votes) ? item.votes.filter(isVote) : impliedVotes(item);
}

function impliedVotes({ author, status, updatedAt }: VotedItem): SpanVote[] {
  if (typeof author !== 'string' || author === '' || (status !== 'accepted' && status !== 'rejected')) return [];
  return [{ author, verdict: status, at: typeof updatedAt === 'string' ? updatedAt : '' }];
}

/**
 * `votes` sorted by author, or undefined when they say no more than the item's `author` and `status` imply
 * (then the field is left out: see normalizedVotes).
 */
export function votesToWrite(votes: readonly SpanVote[], item: VotedItem): SpanVote[] | undefined {
  const sorted = [...votes].sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : 0));
  const implied = impliedVotes(item);
  const same = sorted.length === implied.length && sorted.every((v, i) => v.author === implied[i].author && v.verdict === implied[i].verdict);
  return same ? undefined : sorted;
}

/** `author`'s verdict on the span, if they gave one. */
export function verdictOf(span: AnnotationSpan, author: string): Verdict | undefined {
  return votesOf(span).find((v) => v.author === author)?.verdict;
}

/** The annotators whose vote on the span is `accepted`. */
export function acceptedBy(span: AnnotationSpan): string[] {
  return votesOf(span).filter((v) => v.verdict === 'accepted').map((v) => v.author);
}

/** Whether anyone other than `author` accepted the span (their word must then outlive `author`'s edits). */
export function othersAccepted(span: AnnotationSpan, author: string): boolean {
  return votesOf(span).some((v) => v.author !== author && v.verdict === 'accepted');
}

/**
 * The span after `author`'s decision: their vote replaced (or removed, with `verdict` undefined), the
 * others' kept, and the shared `status` / `author` / `updatedAt` set to this decision. `votes` is explicit:
 * pass the result through `normalizedVotes` once the span is final.
 */
export function withVote(span: AnnotationSpan, author: string, verdict: Verdict | undefined, at: string, status: AnnotationSpan['status'] = verdict ?? span.status): AnnotationSpan {
  const others = votesOf(span).filter((v) => v.author !== author);
  const votes = verdict ? [...others, { author, verdict, at }] : others;
  return { ...span, status, author, updatedAt: at, votes };
}

/**
 * Sorted by author, and absent when the votes say what `author` and `status` imply (the one annotator's
 * verdict, or none on a suggestion). The implied vote's time is then the span's `updatedAt`: a later change
 * of an attribute moves it, which is the price of leaving single-annotator sidecars as they were.
 */
export function normalizedVotes(span: AnnotationSpan): AnnotationSpan {
  const { votes, ...rest } = span;
  if (votes === undefined) return span;
  const written = votesToWrite(votes, rest);
  return written ? { ...rest, votes: written } : rest;
}

/** Whether the span belongs to the model (a suggestion it made, whoever reviewed it since). */
function fromModel(span: AnnotationSpan): boolean {
  return span.source.startsWith('model:');
}

/**
 * Blind mode: the note as `me` would see it alone, with my labels and the model's, not my colleagues'.
 * - a span I voted on shows with my verdict;
 * - a model span I did not vote on shows as the model's suggestion, whatever others decided;
 * - anything else (a colleague's label, an import) is hidden.
 * Orphans and sync conflicts are anybody's to fix and always show. Relations show when both ends show and
 * they are mine or the model's.
 */
export function blindView(spans: readonly AnnotationSpan[], me: string): AnnotationSpan[] {
  const out: AnnotationSpan[] = [];
  for (const s of spans) {
    const mine = verdictOf(s, me);
    if (mine) out.push(mine === s.status ? s : { ...s, status: mine });
    else if (s.flags.includes('orphan') || s.flags.includes('conflict')) out.push(s);
    else if (fromModel(s)) out.push(s.status === 'suggested' ? s : { ...s, status: 'suggested' });
  }
  return out;
}

export function blindRelations(relations: readonly AnnotationRelation[], visible: readonly AnnotationSpan[], me: string): AnnotationRelation[] {
  const ids = new Set(visible.map((s) => s.id));
  return relations.filter((r) => ids.has(r.from) && ids.has(r.to) && (r.author === me || (r.source.startsWith('model:') && r.status === 'suggested')));
}

/** Blind mode's `done`: the note is done for `me` when I marked it so. */
export function doneFor(sidecar: { done: boolean; doneBy?: readonly string[] }, me: string): boolean {
  return sidecar.doneBy ? sidecar.doneBy.includes(me) : sidecar.done;
}

/** A sidecar as `me` sees it in blind mode: spans, relations and `done` (the file itself is unchanged). */
export function blindSidecar<T extends Pick<Sidecar, 'spans' | 'relations' | 'done' | 'doneBy'>>(sidecar: T, me: string): T {
  const spans = blindView(sidecar.spans, me);
  const out: T = { ...sidecar, spans, done: doneFor(sidecar, me) };
  if (sidecar.relations) out.relations = blindRelations(sidecar.relations, spans, me);
  return out;
}
