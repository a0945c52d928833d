import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { ANNOTATIONS_DIR, LABELS_REMOTE_COPY, workspacePath } from '../workspaceLayout';
import { parseSidecar, type SpanLike } from './merge';
import { exists } from '../fs/exists';
import { walkFiles } from '../fs/walk';

/**
 * The conflicts a sync left for a person to resolve, read from the workspace as it is now: spans that carry
 * `conflict` (the merge keeps both versions, each naming the other) and a `.sidelight/labels.remote.json`
 * left by a labels.json conflict. Reading them from disk rather than from the last sync's result means
 * they survive a restart and disappear as soon as someone removes one version.
 */

export interface ConflictSpan {
  /** The note, relative to the workspace folder ('/'-separated). */
  note: string;
  id: string;
  /** The id of the other version of this span. */
  otherId: string;
  /** This is the copy the merge made of the remote version. */
  remoteCopy: boolean;
  label: string;
  start: number;
  end: number;
  text: string;
  author: string;
}

/** A relation a sync kept in two versions (both sides changed it differently). */
export interface ConflictRelation {
  note: string;
  id: string;
  otherId: string;
  remoteCopy: boolean;
  type: string;
  /** The words of its two spans, for a person ('' when the span is gone). */
  fromText: string;
  toText: string;
  /** Where its first span starts (0 when it is gone), to show it. */
  start: number;
  end: number;
  author: string;
}

export interface OpenConflicts {
  spans: ConflictSpan[];
  relations: ConflictRelation[];
  /** Conflicting pairs (an item and its other version count once) plus one for a labels.json conflict. */
  count: number;
  labelsConflict: boolean;
  /** Sidecars that could not be read, naming the file (they are skipped). */
  errors: string[];
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  spans: ConflictSpan[];
  relations: ConflictRelation[];
}

/** Scans the sidecars, re-reading only files whose size or mtime changed since the last scan. */
export class ConflictScanner {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly workspaceDir: string) {}

  async scan(): Promise<OpenConflicts> {
    const root = workspacePath(this.workspaceDir, ANNOTATIONS_DIR);
    const errors: string[] = [];
    const seen = new Set<string>();
    const spans: ConflictSpan[] = [];
    const relations: ConflictRelation[] = [];
    for (const file of await sidecarFiles(root)) {
      seen.add(file);
      try {
        const found = await this.conflictsIn(root, file);
        spans.push(...found.spans);
        relations.push(...found.relations);
      } catch (e) {
        errors.push(errorMessage(e));
      }
    }
    for (const key of this.cache.keys()) if (!seen.has(key)) this.cache.delete(key);
    const labelsConflict = await exists(workspacePath(this.workspaceDir, LABELS_REMOTE_COPY));
    return { spans, relations, count: countPairs(spans) + countPairs(relations) + (labelsConflict ? 1 : 0), labelsConflict, errors };
  }

  private async conflictsIn(root: string, file: string): Promise<Pick<CacheEntry, 'spans' | 'relations'>> {
    const st = await fs.stat(file);
    const hit = this.cache.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit;
    const text = await fs.readFile(file, 'utf8');
    const note = path.relative(root, file).split(path.sep).join('/').replace(/\.json$/, '');
    // Most sidecars have no conflict: skip parsing them.
    const sidecar = text.includes('"conflict"') ? parseSidecar(text, path.relative(this.workspaceDir, file)) : undefined;
    const entry = { size: st.size, mtimeMs: st.mtimeMs, spans: sidecar ? conflictSpans(note, sidecar) : [], relations: sidecar ? conflictRelations(note, sidecar) : [] };
    this.cache.set(file, entry);
    return entry;
  }
}

/** The spans of one sidecar that carry an open conflict. */
function conflictSpans(note: string, sidecar: { spans: SpanLike[] }): ConflictSpan[] {
  const out: ConflictSpan[] = [];
  for (const s of sidecar.spans) {
    if (typeof s.conflict !== 'string') continue;
    const [start, end] = bounds(s);
    const quote = s.quote as { text?: unknown } | undefined;
    out.push({
      note,
      id: s.id,
      otherId: s.conflict,
      remoteCopy: s.id.includes('~remote-'),
      label: String(s.label ?? ''),
      start,
      end,
      text: typeof quote?.text === 'string' ? quote.text : '',
      author: typeof s.author === 'string' ? s.author : '',
    });
  }
  return out;
}

/** The relations of one sidecar that carry an open conflict, with their spans' words. */
function conflictRelations(note: string, sidecar: { spans: SpanLike[]; relations?: SpanLike[] }): ConflictRelation[] {
  const byId = new Map(sidecar.spans.map((s) => [s.id, s]));
  const words = (id: unknown) => {
    const quote = (typeof id === 'string' ? byId.get(id)?.quote : undefined) as { text?: unknown } | undefined;
    return typeof quote?.text === 'string' ? quote.text : '';
  };
  const out: ConflictRelation[] = [];
  for (const r of sidecar.relations ?? []) {
    if (typeof r.conflict !== 'string') continue;
    const from = typeof r.from === 'string' ? byId.get(r.from) : undefined;
    const [start, end] = from ? bounds(from) : [0, 0];
    out.push({
      note,
      id: r.id,
      otherId: r.conflict,
      remoteCopy: r.id.includes('~remote-'),
      type: String(r.type ?? ''),
      fromText: words(r.from),
      toText: words(r.to),
      start,
      end,
      author: typeof r.author === 'string' ? r.author : '',
    });
  }
  return out;
}

/** An item and its other version are one conflict; an item whose other version was removed still counts. */
export function countPairs(spans: readonly { note: string; id: string; otherId: string }[]): number {
  const pairs = new Set<string>();
  for (const s of spans) pairs.add(`${s.note}\0${[s.id, s.otherId].sort().join('\0')}`);
  return pairs.size;
}

function bounds(s: SpanLike): [number, number] {
  const f = s.fragments;
  if (Array.isArray(f) && f.length && Array.isArray(f[0]) && Array.isArray(f[f.length - 1])) {
    const a = (f[0] as unknown[])[0];
    const b = (f[f.length - 1] as unknown[])[1];
    if (typeof a === 'number' && typeof b === 'number') return [a, b];
  }
  return [0, 0];
}

async function sidecarFiles(dir: string): Promise<string[]> {
  const { files } = await walkFiles(dir);
  return files.filter((f) => f.endsWith('.json') && !path.posix.basename(f).startsWith('.')).map((f) => workspacePath(dir, f));
}
