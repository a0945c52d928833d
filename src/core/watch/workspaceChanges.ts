/**
 * What a file event in a workspace folder means to Sidelight, and a burst of them folded into one
 * change set: the editor's one file watcher classifies each path here, and every feature reads the set
 * it cares about (labels.json for the schema, model.lock for the model, sidecars for the labels, notes
 * coming and going for the panel).
 */

export type FileEventType = 'created' | 'changed' | 'deleted';

export type WorkspacePath =
  /** `.sidelight/annotations/<note>.json`. */
  | { kind: 'sidecar'; note: string }
  /** `.sidelight/annotations` or a folder below it: a pull may report only the top of a new tree. `prefix` is '' or ends with '/'. */
  | { kind: 'sidecarFolder'; prefix: string }
  | { kind: 'labels' }
  | { kind: 'lock' }
  | { kind: 'remoteConfig' }
  /** A model bundle's manifest under `.sidelight/models/` (trained or pulled here): not project news for the sync. */
  | { kind: 'bundle' }
  /** Any other file under `.sidelight/` that says something about the project (e.g. labels.remote.json). */
  | { kind: 'sidelight' }
  /** The sync's caches (`.sidelight/sync/`, `.sidelight/models/`) and atomic writes' temporary files: never news. */
  | { kind: 'ignored' }
  /** A file outside `.sidelight/`: a note, or anything else of the user's. */
  | { kind: 'file'; rel: string };

const ANNOTATIONS = '.sidelight/annotations';
// writeFileAtomic's temporary files (`.<name>.<12 hex>.tmp`).
const ATOMIC_TMP = /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$/;

/** `rel`: the path relative to its workspace folder, with `/` separators. */
export function classifyWorkspacePath(rel: string): WorkspacePath {
  if (rel !== '.sidelight' && !rel.startsWith('.sidelight/')) return { kind: 'file', rel };
  if (ATOMIC_TMP.test(rel)) return { kind: 'ignored' };
  if (rel === ANNOTATIONS) return { kind: 'sidecarFolder', prefix: '' };
  if (rel.startsWith(`${ANNOTATIONS}/`)) {
    const below = rel.slice(ANNOTATIONS.length + 1);
    return below.endsWith('.json') ? { kind: 'sidecar', note: below.slice(0, -'.json'.length) } : { kind: 'sidecarFolder', prefix: `${below}/` };
  }
  switch (rel) {
    case '.sidelight/labels.json':
      return { kind: 'labels' };
    case '.sidelight/model.lock':
      return { kind: 'lock' };
    case '.sidelight/config.json':
      return { kind: 'remoteConfig' };
  }
  if (/^\.sidelight\/models\/[^/]+\/[^/]+\/manifest\.json$/.test(rel)) return { kind: 'bundle' };
  if (/^\.sidelight\/(sync|models)(\/|$)/.test(rel)) return { kind: 'ignored' };
  return { kind: 'sidelight' };
}

/** One folder's events of a burst, folded. */
export class WorkspaceChangeSet {
  /** Notes whose sidecar was created, changed or deleted. */
  readonly sidecars = new Set<string>();
  /** Folders of sidecars reported without their files ('' is the whole annotations folder). */
  readonly sidecarFolders = new Set<string>();
  labels = false;
  lock = false;
  remoteConfig = false;
  /** A model bundle appeared, changed or went under `.sidelight/models/`. */
  bundles = false;
  /** Anything under `.sidelight/` changed that is not a cache (sidecars, labels, lock, config included). */
  project = false;
  /** Files outside `.sidelight/`, with their last event. */
  readonly files = new Map<string, FileEventType>();

  add(rel: string, type: FileEventType): void {
    const p = classifyWorkspacePath(rel);
    if (p.kind === 'ignored') return;
    if (p.kind === 'bundle') {
      this.bundles = true;
      return;
    }
    if (p.kind === 'file') {
      // created then changed is still new; created then deleted is as if nothing was there.
      const before = this.files.get(p.rel);
      if (before === 'created' && type === 'deleted') this.files.delete(p.rel);
      else if (before === 'deleted' && type === 'created') this.files.set(p.rel, 'changed');
      else this.files.set(p.rel, before === 'created' && type === 'changed' ? 'created' : type);
      return;
    }
    this.project = true;
    if (p.kind === 'sidecar') this.sidecars.add(p.note);
    else if (p.kind === 'sidecarFolder') this.sidecarFolders.add(p.prefix);
    else if (p.kind === 'labels') this.labels = true;
    else if (p.kind === 'lock') this.lock = true;
    else if (p.kind === 'remoteConfig') this.remoteConfig = true;
  }

  get isEmpty(): boolean {
    return !this.project && !this.bundles && this.files.size === 0;
  }

  /** The notes among `loaded` whose sidecar changed, directly or inside a reported folder. */
  sidecarsOf(loaded: Iterable<string>): Set<string> {
    const out = new Set(this.sidecars);
    if (this.sidecarFolders.size) {
      for (const note of loaded) if ([...this.sidecarFolders].some((prefix) => note.startsWith(prefix))) out.add(note);
    }
    return out;
  }

  /** Files outside `.sidelight/` that appeared or went away (a note list changes; an edit does not). */
  get filesAddedOrRemoved(): boolean {
    for (const type of this.files.values()) if (type !== 'changed') return true;
    return false;
  }
}
