import { SIDECAR_SCHEMA_VERSION, SpanVote } from '../annotations/sidecar';
import { votesOf, votesReadable, votesToWrite } from '../annotations/votes';
import { InputError } from '../errors';
import { sha256Hex } from '../fs/sha256';
import { canonicalJson } from './hash';

/**
 * Three-way merge of annotation sidecars, per span and per relation, for the sync.
 *
 * Deliberately generic: a sidecar is an object with `spans: {id, …}[]`, optionally `relations: {id, …}[]`,
 * plus top-level fields, and an item is compared as a whole (canonical JSON). The annotation store owns the
 * exact schema and may add fields; the merge keeps whatever it finds. Rules, all of them "nothing is lost",
 * the same for spans and relations:
 * - an item changed on one side only (added, edited or deleted) takes that side's version;
 * - the same change on both sides is taken once;
 * - different changes to the same item on both sides (or two different items added with the same id) are
 *   a conflict: the local version stays, the remote version is added as a copy with its own id, and both
 *   carry `conflict: <the other's id>` (spans also the flag `conflict`) until a person resolves them;
 * - deleted on one side and edited on the other keeps the edited version and reports it;
 * - a span's `attributes` are merged per attribute with the same rules, so that one side setting an
 *   attribute and the other changing the label (or another attribute) is no conflict; the same attribute
 *   set to two different values is;
 * - a span's `votes` (votes.ts) are merged per annotator: two annotators deciding on the same span on two
 *   machines are two votes, not a conflict; the shared `status` is then the later decision's. One
 *   annotator's two different votes on two machines are a conflict;
 * - the same span (label and fragments) added on both sides under two ids, two annotators labelling the
 *   same words on two machines, is one span with both votes: the local id stays, the remote one's
 *   relations point to it (unless their attributes disagree: then both stay);
 * - top-level `done`: true wins when both changed; `doneBy` (who marked the note done) per annotator; `noteSha256`: the local one (the local note is what
 *   the local spans are anchored to); `schemaVersion`: the higher of two this Sidelight writes; any other field: three-way, local wins
 *   a conflict (reported).
 * The output is deterministic: spans sorted by position, then label, then id; relations by from, to,
 * type, id.
 */

export interface SpanLike {
  id: string;
  [field: string]: unknown;
}

export interface SidecarLike {
  spans: SpanLike[];
  relations?: SpanLike[];
  [field: string]: unknown;
}

/** Which list an item of an event is in; absent: a span (events from before relations had none). */
export type MergeItem = 'relation';

export type MergeEvent =
  /** Both sides changed span (or relation) `spanId` differently: both kept, the remote one as `copyId`. */
  | { kind: 'conflict'; spanId: string; copyId: string; item?: MergeItem }
  /** One side deleted span (or relation) `spanId`, the other edited it: the edited version was kept. */
  | { kind: 'deleteVsEdit'; spanId: string; kept: 'local' | 'remote'; item?: MergeItem }
  /** Both sides changed top-level field `field` differently. */
  | { kind: 'fieldConflict'; field: string; resolution: string };

export interface MergeResult {
  merged: SidecarLike;
  events: MergeEvent[];
  /** Number of span and relation conflicts (both versions kept). */
  conflicts: number;
}

export const CONFLICT_FLAG = 'conflict';

/** Parses and shape-checks a sidecar; the InputError names the file and the problem. */
export function parseSidecar(text: string, file: string): SidecarLike {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(file, 'expected a JSON object');
  const spans = (value as { spans?: unknown }).spans;
  if (!Array.isArray(spans)) throw new InputError(file, 'expected a "spans" array');
  checkItems(spans, 'spans', 'span', file);
  const relations = (value as { relations?: unknown }).relations;
  if (relations !== undefined) {
    if (!Array.isArray(relations)) throw new InputError(file, 'expected "relations" to be an array');
    checkItems(relations, 'relations', 'relation', file);
  }
  return value as SidecarLike;
}

function checkItems(items: unknown[], field: string, what: string, file: string): void {
  const seen = new Set<string>();
  items.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new InputError(file, `${field}[${i}] is not an object`);
    const id = (s as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '') throw new InputError(file, `${field}[${i}] has no string "id"`);
    if (seen.has(id)) throw new InputError(file, `${what} id ${JSON.stringify(id)} appears twice`);
    seen.add(id);
  });
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** Equal apart from `updatedAt`: the same edit made on both sides at different times. */
function sameEdit(a: SpanLike, b: SpanLike): boolean {
  const { updatedAt: _ua, ...ra } = a;
  const { updatedAt: _ub, ...rb } = b;
  return same(ra, rb);
}

function later(a: SpanLike, b: SpanLike): SpanLike {
  return String(b.updatedAt ?? '') > String(a.updatedAt ?? '') ? b : a;
}

function withFlag(flags: unknown, flag: string): unknown {
  if (Array.isArray(flags)) return flags.includes(flag) ? flags : [...flags, flag].sort();
  if (flags !== null && typeof flags === 'object') return { ...(flags as object), [flag]: true };
  return [flag];
}

function markConflict(span: SpanLike, otherId: string, id = span.id, flagged = true): SpanLike {
  return flagged ? { ...span, id, conflict: otherId, flags: withFlag(span.flags, CONFLICT_FLAG) } : { ...span, id, conflict: otherId };
}

/** The id of the remote copy of a conflicting span: derived from its content, so re-merging is stable. */
export function conflictCopyId(spanId: string, remoteSpan: SpanLike): string {
  return `${spanId}~remote-${sha256Hex(canonicalJson(remoteSpan)).slice(0, 8)}`;
}

function position(span: SpanLike): [number, number] {
  const f = span.fragments;
  if (Array.isArray(f) && f.length > 0 && Array.isArray(f[0])) {
    const first = f[0] as unknown[];
    const last = f[f.length - 1] as unknown[];
    if (typeof first[0] === 'number' && typeof last[1] === 'number') return [first[0], last[1]];
  }
  if (typeof span.start === 'number' && typeof span.end === 'number') return [span.start, span.end];
  return [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
}

export function compareSpans(a: SpanLike, b: SpanLike): number {
  const [as, ae] = position(a);
  const [bs, be] = position(b);
  if (as !== bs) return as - bs;
  if (ae !== be) return ae - be;
  const al = String(a.label ?? '');
  const bl = String(b.label ?? '');
  if (al !== bl) return al < bl ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byId(spans: SpanLike[] | undefined): Map<string, SpanLike> {
  return new Map((spans ?? []).map((s) => [s.id, s]));
}

export function compareRelations(a: SpanLike, b: SpanLike): number {
  for (const key of ['from', 'to', 'type', 'id']) {
    const x = String(a[key] ?? '');
    const y = String(b[key] ?? '');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function mergeSidecars(base: SidecarLike | undefined, local: SidecarLike, remote: SidecarLike): MergeResult {
  const events: MergeEvent[] = [];
  const spans = mergeItems(base?.spans, local.spans, remote.spans, undefined, events);
  const hasRelations = [base, local, remote].some((s) => s !== undefined && Array.isArray(s.relations));
  const relations = hasRelations ? mergeItems(base?.relations, local.relations, remote.relations, 'relation', events) : undefined;

  const renamed = foldSameSpans(spans, base, local, remote);
  if (relations && renamed.size > 0) relations.items = dedupedRelations(relations.items.map((r) => ({ ...r, ...(renamed.has(String(r.from)) ? { from: renamed.get(String(r.from)) } : {}), ...(renamed.has(String(r.to)) ? { to: renamed.get(String(r.to)) } : {}) })));

  const merged: Record<string, unknown> = {};
  const fields = [...new Set([...Object.keys(local), ...Object.keys(remote)])];
  for (const field of fields) {
    if (field === 'spans') {
      merged.spans = spans.items.sort(compareSpans);
      continue;
    }
    if (field === 'relations') continue;
    const value = mergeField(field, base?.[field], local[field], remote[field], events);
    if (value !== undefined) merged[field] = value;
  }
  if (!('spans' in merged)) merged.spans = spans.items.sort(compareSpans);
  // Absent where neither side has any (files from before relations stay as they were).
  if (relations && (relations.items.length > 0 || 'relations' in local || 'relations' in remote)) merged.relations = relations.items.sort(compareRelations);
  return { merged: merged as SidecarLike, events, conflicts: spans.conflicts + (relations?.conflicts ?? 0) };
}

/**
 * Folds each span added on the remote side only into an identical span (label and fragments) added on the
 * local side only: one span, both sides' votes. Returns remote id → local id for what was folded.
 */
function foldSameSpans(spans: { items: SpanLike[] }, base: SidecarLike | undefined, local: SidecarLike, remote: SidecarLike): Map<string, string> {
  const renamed = new Map<string, string>();
  const inBase = new Set((base?.spans ?? []).map((s) => s.id));
  const localIds = new Set(local.spans.map((s) => s.id));
  const remoteIds = new Set(remote.spans.map((s) => s.id));
  const fresh = (s: SpanLike) => !inBase.has(s.id) && s.conflict === undefined && Array.isArray(s.fragments) && typeof s.label === 'string' && votesReadable(s);
  const key = (s: SpanLike) => `${String(s.label)}\u0000${JSON.stringify(s.fragments)}`;
  const localNew = new Map<string, SpanLike>();
  for (const s of spans.items) if (fresh(s) && localIds.has(s.id) && !remoteIds.has(s.id) && !localNew.has(key(s))) localNew.set(key(s), s);
  const out: SpanLike[] = [];
  for (const s of spans.items) {
    const twin = fresh(s) && remoteIds.has(s.id) && !localIds.has(s.id) ? localNew.get(key(s)) : undefined;
    const attributes = twin && mergedAttributes({ id: '' }, twin, s);
    if (!twin || !attributes) {
      out.push(s);
      continue;
    }
    const votes = new Map(votesOf(s).map((v) => [v.author, v]));
    for (const v of votesOf(twin)) votes.set(v.author, v); // one annotator on both sides: the local vote
    const folded = withVotes(twin, [...votes.values()]);
    if (Object.keys(attributes).length > 0) folded.attributes = attributes;
    localNew.set(key(s), folded);
    renamed.set(s.id, twin.id);
  }
  spans.items = out.map((s) => (localNew.get(key(s))?.id === s.id ? localNew.get(key(s))! : s));
  return renamed;
}

/** Relations made the same by folding: the first of each (type, from, to) stays. */
function dedupedRelations(relations: SpanLike[]): SpanLike[] {
  const seen = new Set<string>();
  return relations.filter((r) => {
    const k = `${String(r.type)}\u0000${String(r.from)}\u0000${String(r.to)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The per-item three-way merge shared by spans and relations (rules in the module comment). */
function mergeItems(base: SpanLike[] | undefined, local: SpanLike[] | undefined, remote: SpanLike[] | undefined, item: MergeItem | undefined, events: MergeEvent[]): { items: SpanLike[]; conflicts: number } {
  const b = byId(base);
  const l = byId(local);
  const r = byId(remote);
  const ids = [...new Set([...b.keys(), ...l.keys(), ...r.keys()])].sort();
  const out = new Map<string, SpanLike>();
  const copies: SpanLike[] = [];
  const tag = item ? { item } : {};
  let conflicts = 0;

  for (const id of ids) {
    const bs = b.get(id);
    const ls = l.get(id);
    const rs = r.get(id);
    if (same(ls, rs)) {
      if (ls) out.set(id, ls);
    } else if (same(bs, ls)) {
      if (rs) out.set(id, rs); // only the remote changed it (added, edited or deleted)
    } else if (same(bs, rs)) {
      if (ls) out.set(id, ls); // only we changed it
    } else if (!ls) {
      out.set(id, rs!);
      events.push({ kind: 'deleteVsEdit', spanId: id, kept: 'remote', ...tag });
    } else if (!rs) {
      out.set(id, ls);
      events.push({ kind: 'deleteVsEdit', spanId: id, kept: 'local', ...tag });
    } else if (sameEdit(ls, rs)) {
      out.set(id, later(ls, rs));
    } else {
      const combined = bs ? (item ? undefined : mergeVotes(bs, ls, rs)) ?? mergeAttributes(bs, ls, rs) : undefined;
      if (combined) {
        out.set(id, combined);
        continue;
      }
      const copyId = conflictCopyId(id, rs);
      out.set(id, markConflict(ls, copyId, id, !item));
      copies.push(markConflict(rs, id, copyId, !item));
      events.push({ kind: 'conflict', spanId: id, copyId, ...tag });
      conflicts++;
    }
  }
  // A copy from an earlier identical conflict is already present on one side: keep that one.
  for (const copy of copies) if (!out.has(copy.id)) out.set(copy.id, copy);
  return { items: [...out.values()], conflicts };
}

/**
 * Both sides changed the item and at least one changed its `attributes`: merges the rest of the item
 * (apart from who changed it and when) and each attribute three-way. Undefined when that still conflicts
 * (the item is then a conflict), or when no side changed an attribute (whole-item rules apply as before).
 */
function mergeAttributes(bs: SpanLike, ls: SpanLike, rs: SpanLike): SpanLike | undefined {
  if (same(bs.attributes, ls.attributes) && same(bs.attributes, rs.attributes)) return undefined;
  const rest = (s: SpanLike) => {
    const { attributes: _a, updatedAt: _u, author: _w, ...r } = s;
    return r;
  };
  const core = threeWay(rest(bs), rest(ls), rest(rs));
  if (!core) return undefined;
  const attributes = mergedAttributes(bs, ls, rs);
  if (!attributes) return undefined;
  const last = later(ls, rs);
  const merged: SpanLike = { ...core.value, author: last.author, updatedAt: last.updatedAt } as SpanLike;
  if (Object.keys(attributes).length > 0) merged.attributes = attributes;
  return merged;
}

/**
 * Both sides changed a span and at least one changed its votes: merges the votes per annotator and the
 * attributes per attribute, with the shared status, author and time of the later side. Undefined (a
 * conflict) when the sides differ in anything else, when one annotator voted differently on the two sides,
 * or when no side changed a vote.
 */
function mergeVotes(bs: SpanLike, ls: SpanLike, rs: SpanLike): SpanLike | undefined {
  if (![bs, ls, rs].every(votesReadable)) return undefined;
  const [bv, lv, rv] = [votesOf(bs), votesOf(ls), votesOf(rs)];
  if (same(bv, lv) && same(bv, rv)) return undefined;
  const rest = (s: SpanLike) => {
    const { votes: _v, status: _s, author: _w, updatedAt: _u, attributes: _a, ...r } = s;
    return r;
  };
  // A vote is on the span as it was: one side's new label or boundaries against the other's vote is a conflict.
  if (!same(rest(ls), rest(rs))) return undefined;
  const attributes = mergedAttributes(bs, ls, rs);
  if (!attributes) return undefined;
  const byAuthor = (list: SpanVote[]) => new Map(list.map((v) => [v.author, v]));
  const [b, l, r] = [byAuthor(bv), byAuthor(lv), byAuthor(rv)];
  const merged: SpanVote[] = [];
  for (const author of [...new Set([...l.keys(), ...r.keys(), ...b.keys()])]) {
    const one = threeWay(b.get(author), l.get(author), r.get(author));
    // The same annotator decided differently on two machines: a conflict, as for any other change.
    if (!one) return undefined;
    if (one.value) merged.push(one.value);
  }
  const last = later(ls, rs);
  const span = withVotes({ ...rest(ls), status: last.status, author: last.author, updatedAt: last.updatedAt }, merged);
  if (Object.keys(attributes).length > 0) span.attributes = attributes;
  return span;
}

/** The item with these votes, written only where they say more than its author and status (votes.ts). */
function withVotes(item: SpanLike, votes: SpanVote[]): SpanLike {
  const { votes: _old, ...rest } = item;
  const written = votesToWrite(votes, rest);
  return written ? { ...rest, votes: written } : rest;
}

/** The attributes of three versions merged per attribute; undefined when one attribute conflicts. */
function mergedAttributes(bs: SpanLike, ls: SpanLike, rs: SpanLike): Record<string, unknown> | undefined {
  const ba = attributeMap(bs.attributes);
  const la = attributeMap(ls.attributes);
  const ra = attributeMap(rs.attributes);
  if (!ba || !la || !ra) return undefined;
  const attributes: Record<string, unknown> = {};
  for (const name of [...new Set([...Object.keys(la), ...Object.keys(ra), ...Object.keys(ba)])].sort()) {
    const value = threeWay({ v: ba[name] }, { v: la[name] }, { v: ra[name] });
    if (!value) return undefined;
    if (value.value.v !== undefined) attributes[name] = value.value.v;
  }
  return attributes;
}

function attributeMap(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return {};
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** One side's change wins; both changed the same way: that; both differently: undefined. */
function threeWay<T>(b: T, l: T, r: T): { value: T } | undefined {
  if (same(l, r) || same(b, r)) return { value: l };
  if (same(b, l)) return { value: r };
  return undefined;
}

function mergeField(field: string, b: unknown, l: unknown, r: unknown, events: MergeEvent[]): unknown {
  if (field === 'noteSha256') return l !== undefined ? l : r;
  // A version 2 side may hold relations or attributes, which a version 1 file cannot say it has. A version
  // this Sidelight does not write is left to the general rule (taking it would make the file unreadable here).
  if (field === 'schemaVersion' && typeof l === 'number' && typeof r === 'number' && Math.max(l, r) <= SIDECAR_SCHEMA_VERSION) return Math.max(l, r);
  if (same(l, r)) return l;
  if (same(b, l)) return r;
  if (same(b, r)) return l;
  if (field === 'doneBy') return mergedDoneBy(b, l, r);
  if (field === 'done') {
    const done = l === true || r === true;
    events.push({ kind: 'fieldConflict', field, resolution: `done=${done} (true wins)` });
    return done;
  }
  events.push({ kind: 'fieldConflict', field, resolution: 'kept the local value' });
  return l !== undefined ? l : r;
}

/** Each annotator's "done" three-way: who marked or unmarked it on one side is taken (no conflict possible). */
function mergedDoneBy(b: unknown, l: unknown, r: unknown): string[] | undefined {
  const set = (v: unknown) => new Set(Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : []);
  const [bs, ls, rs] = [set(b), set(l), set(r)];
  const out = [...new Set([...bs, ...ls, ...rs])].filter((a) => (ls.has(a) === bs.has(a) ? rs.has(a) : ls.has(a))).sort();
  return out.length > 0 ? out : undefined;
}

/** A remote object standing for a deleted sidecar: `{"deleted": true, "deletedAt": …}`. */
export interface Tombstone {
  deleted: true;
  deletedAt: string;
  [field: string]: unknown;
}

export function isTombstone(value: unknown): value is Tombstone {
  return value !== null && typeof value === 'object' && (value as { deleted?: unknown }).deleted === true;
}

/** Spans that still carry an unresolved conflict. */
export function openConflicts(sidecar: SidecarLike): string[] {
  return sidecar.spans.filter((s) => typeof s.conflict === 'string').map((s) => s.id);
}

/**
 * `mergeSidecars` for a caller with its own sidecar type (the store's `Sidecar`): the merge is structural
 * and carries every field it does not know untouched, so the result has the caller's type.
 */
export function mergeTypedSidecars<T extends { spans: object[] }>(base: T | undefined, local: T, remote: T): { merged: T; events: MergeEvent[]; conflicts: number } {
  const r = mergeSidecars(base as SidecarLike | undefined, local as SidecarLike, remote as SidecarLike);
  return { ...r, merged: r.merged as T };
}
