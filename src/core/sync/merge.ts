import { InputError } from '../errors';
import { canonicalJson } from './hash';
import { sha256Hex } from '../fs/sha256';

/**
 * Three-way merge of annotation sidecars, per span, for the sync.
 *
 * Deliberately generic: a sidecar is an object with `spans: {id, …}[]` plus top-level fields, and a span
 * is compared as a whole (canonical JSON). The annotation store owns the exact schema and may add
 * fields; the merge keeps whatever it finds. Rules, all of them "nothing is lost":
 * - a span changed on one side only (added, edited or deleted) takes that side's version;
 * - the same change on both sides is taken once;
 * - different changes to the same span on both sides (or two different spans added with the same id) are
 *   a conflict: the local version stays, the remote version is added as a copy with its own id, and both
 *   carry `conflict: <the other's id>` and the flag `conflict` until a person resolves them;
 * - deleted on one side and edited on the other keeps the edited version and reports it;
 * - top-level `done`: true wins when both changed; `noteSha256`: the local one (the local note is what
 *   the local spans are anchored to); any other field: three-way, local wins a conflict (reported).
 * The output is deterministic: spans sorted by position, then label, then id.
 */

export interface SpanLike {
  id: string;
  [field: string]: unknown;
}

/**
 * What the merge reads of a span: its id, and the fields it sorts by, flags and compares times with, when
 * present. Any span type with an `id` fits (the store's typed AnnotationSpan, the sync's parsed SpanLike);
 * the merge returns spans of the type it was given.
 */
export interface MergeableSpan {
  id: string;
  fragments?: unknown;
  start?: unknown;
  end?: unknown;
  label?: unknown;
  flags?: unknown;
  updatedAt?: unknown;
  conflict?: unknown;
}

export interface SidecarLike {
  spans: SpanLike[];
  [field: string]: unknown;
}

export type MergeEvent =
  /** Both sides changed span `spanId` differently: both kept, the remote one as `copyId`. */
  | { kind: 'conflict'; spanId: string; copyId: string }
  /** One side deleted span `spanId`, the other edited it: the edited version was kept. */
  | { kind: 'deleteVsEdit'; spanId: string; kept: 'local' | 'remote' }
  /** Both sides changed top-level field `field` differently. */
  | { kind: 'fieldConflict'; field: string; resolution: string };

export interface MergeResult<T = SidecarLike> {
  merged: T;
  events: MergeEvent[];
  /** Number of span conflicts (both versions kept). */
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
  const seen = new Set<string>();
  spans.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new InputError(file, `spans[${i}] is not an object`);
    const id = (s as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '') throw new InputError(file, `spans[${i}] has no string "id"`);
    if (seen.has(id)) throw new InputError(file, `span id ${JSON.stringify(id)} appears twice`);
    seen.add(id);
  });
  return value as SidecarLike;
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** Equal apart from `updatedAt`: the same edit made on both sides at different times. */
function sameEdit(a: MergeableSpan, b: MergeableSpan): boolean {
  const { updatedAt: _ua, ...ra } = a;
  const { updatedAt: _ub, ...rb } = b;
  return same(ra, rb);
}

function later<S extends MergeableSpan>(a: S, b: S): S {
  return String(b.updatedAt ?? '') > String(a.updatedAt ?? '') ? b : a;
}

function withFlag(flags: unknown, flag: string): unknown {
  if (Array.isArray(flags)) return flags.includes(flag) ? flags : [...flags, flag].sort();
  if (flags !== null && typeof flags === 'object') return { ...(flags as object), [flag]: true };
  return [flag];
}

function markConflict<S extends MergeableSpan>(span: S, otherId: string, id = span.id): S {
  return { ...span, id, conflict: otherId, flags: withFlag(span.flags, CONFLICT_FLAG) };
}

/** The id of the remote copy of a conflicting span: derived from its content, so re-merging is stable. */
export function conflictCopyId(spanId: string, remoteSpan: MergeableSpan): string {
  return `${spanId}~remote-${sha256Hex(canonicalJson(remoteSpan)).slice(0, 8)}`;
}

function position(span: MergeableSpan): [number, number] {
  const f = span.fragments;
  if (Array.isArray(f) && f.length > 0 && Array.isArray(f[0])) {
    const first = f[0] as unknown[];
    const last = f[f.length - 1] as unknown[];
    if (typeof first[0] === 'number' && typeof last[1] === 'number') return [first[0], last[1]];
  }
  if (typeof span.start === 'number' && typeof span.end === 'number') return [span.start, span.end];
  return [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
}

export function compareSpans(a: MergeableSpan, b: MergeableSpan): number {
  const [as, ae] = position(a);
  const [bs, be] = position(b);
  if (as !== bs) return as - bs;
  if (ae !== be) return ae - be;
  const al = String(a.label ?? '');
  const bl = String(b.label ?? '');
  if (al !== bl) return al < bl ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byId<S extends MergeableSpan>(spans: readonly S[] | undefined): Map<string, S> {
  return new Map((spans ?? []).map((s) => [s.id, s]));
}

/**
 * Merges `local` and `remote` given their common `base` (undefined: none, e.g. the first sync). Typed by
 * the caller's sidecar type: the merged sidecar is a `T`, its spans the caller's span type.
 */
export function mergeSidecars<S extends MergeableSpan, T extends { spans: S[] }>(base: T | undefined, local: T, remote: T): MergeResult<T> {
  const events: MergeEvent[] = [];
  const b = byId(base?.spans);
  const l = byId(local.spans);
  const r = byId(remote.spans);
  const ids = [...new Set([...b.keys(), ...l.keys(), ...r.keys()])].sort();
  const out = new Map<string, S>();
  const copies: S[] = [];
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
      events.push({ kind: 'deleteVsEdit', spanId: id, kept: 'remote' });
    } else if (!rs) {
      out.set(id, ls);
      events.push({ kind: 'deleteVsEdit', spanId: id, kept: 'local' });
    } else if (sameEdit(ls, rs)) {
      out.set(id, later(ls, rs));
    } else {
      const copyId = conflictCopyId(id, rs);
      out.set(id, markConflict(ls, copyId));
      copies.push(markConflict(rs, id, copyId));
      events.push({ kind: 'conflict', spanId: id, copyId });
      conflicts++;
    }
  }
  // A copy from an earlier identical conflict is already present on one side: keep that one.
  for (const copy of copies) if (!out.has(copy.id)) out.set(copy.id, copy);

  // Local's fields in their order, then those only the remote has (the same key order a re-merge gives).
  const merged: T = { ...local, spans: [...out.values()].sort(compareSpans) };
  const fields = [...new Set([...Object.keys(local), ...Object.keys(remote)])].filter((f) => f !== 'spans');
  for (const field of fields) {
    const value = mergeField(field, fieldOf(base, field), fieldOf(local, field), fieldOf(remote, field), events);
    if (value !== undefined) Reflect.set(merged, field, value);
    else Reflect.deleteProperty(merged, field);
  }
  return { merged, events, conflicts };
}

function fieldOf(sidecar: object | undefined, field: string): unknown {
  return sidecar === undefined ? undefined : Reflect.get(sidecar, field);
}

function mergeField(field: string, b: unknown, l: unknown, r: unknown, events: MergeEvent[]): unknown {
  if (field === 'noteSha256') return l !== undefined ? l : r;
  if (same(l, r)) return l;
  if (same(b, l)) return r;
  if (same(b, r)) return l;
  if (field === 'done') {
    const done = l === true || r === true;
    events.push({ kind: 'fieldConflict', field, resolution: `done=${done} (true wins)` });
    return done;
  }
  events.push({ kind: 'fieldConflict', field, resolution: 'kept the local value' });
  return l !== undefined ? l : r;
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
