/**
 * The one message protocol between the Sidelight panel's page (webview/) and the extension host
 * (src/vscode/panel/). Both sides import this module, so a message shape cannot drift on one side only.
 *
 * Plain data and type guards only: no `vscode`, no DOM, no Node imports, so it type-checks under both
 * tsconfig.json (extension) and tsconfig.webview.json (browser).
 */

// ---- state shown by the panel -----------------------------------------------------------------------

/** One row of the label table: a label of the schema, or a label found in sidecars but not in the schema. */
export interface LabelRow {
  name: string;
  /** `#rrggbb` from the schema (data, shown as a swatch); absent for labels the schema does not define. */
  color?: string;
  key?: string;
  definition?: string;
  /** Labels: spans with status `accepted` (human, imported, or a model suggestion a person accepted). */
  count: number;
  /** false: spans carry this label but `.sidelight/labels.json` does not define it (kept, never dropped). */
  inSchema: boolean;
}

/** Relations of one type, or spans with one value of an attribute, across the workspace (accepted ones). */
export interface LinkCount {
  /** `caused_by`, or `assertion: absent`. */
  name: string;
  count: number;
}

/** Agreement of two annotators over the notes both finished (`sidelight agreement`'s figures). */
export interface AgreementRow {
  a: string;
  b: string;
  notes: number;
  /** null when neither labelled anything on those notes. */
  strictF1: number | null;
  lenientF1: number | null;
  /** Cohen's kappa over the notes' words; null when undefined (every word in one category). */
  kappa: number | null;
  /** The note they disagree on most, when they disagree on any. */
  worstNote?: string;
}

export interface ProgressInfo {
  /** Note files in the workspace (the `sidelight.include` / `exclude` globs). */
  notesTotal: number;
  /** Notes with at least one label (accepted span). */
  notesLabelled: number;
  /** Notes whose sidecar says `done` (reviewed completely). */
  notesDone: number;
  /** Model suggestions a person accepted or rejected. */
  predictionsReviewed: number;
  /** Model suggestions still `suggested`. */
  predictionsPending: number;
  /** Spans that could not be re-anchored after an outside edit: kept, need a look. */
  orphans: number;
}

export interface Prf {
  p: number;
  r: number;
  f1: number;
}

/** Metrics of one label: strict (exact bounds) and lenient (overlap), with the span counts behind them. */
export interface LabelScore {
  label: string;
  strict: Prf;
  lenient: Prf;
  /** Gold and predicted span counts (known for workspace metrics; absent in a manifest's dev metrics). */
  gold?: number;
  predicted?: number;
}

/** One evaluation set from the manifest's `metrics` (e.g. `ade_dev`). */
export interface DevMetricsTable {
  /** The manifest's key for the set (`notes_dev`). */
  set: string;
  /** What the set is, in words (`Clinical notes, dev split`). */
  title: string;
  rows: LabelScore[];
  /** Set when the manifest's entry is not a per-label strict/lenient table: its raw JSON, shown as text. */
  raw?: string;
}

export type WorkspaceMetrics =
  | {
      available: true;
      /** Which notes were the gold standard: those marked done, or (none done yet) those with labels. */
      basis: 'done' | 'labelled';
      notes: number;
      rows: LabelScore[];
    }
  | { available: false; reason: string };

export type ModelSource = 'setting' | 'lock' | 'default';

export type ModelCard =
  | {
      available: true;
      name: string;
      version: string;
      /** The first 12 hex digits of the sha256 of `manifest.json`; '' for an unverified bundle. */
      manifestSha256Short: string;
      source: ModelSource;
      /** false: the folder has no manifest.json (e.g. a raw Optimum export): nothing was verified. */
      verified: boolean;
      devMetrics: DevMetricsTable[];
      workspaceMetrics: WorkspaceMetrics;
      /** The model's labels and the workspace's labels.json differ: what differs and what to do. */
      labelMismatch?: string;
    }
  | { available: false; reason: string; source?: ModelSource };

/** F1 with its 95% bootstrap interval. */
export interface F1Interval {
  f1: number;
  low: number;
  high: number;
}

/** A model trained in this workspace, judged against the model in use when it was trained. */
export interface TrainedModelRow {
  name: string;
  version: string;
  createdAt: string;
  trainNotes: number;
  heldOutNotes: number;
  comparedWith: string;
  /** The highlights use it now. */
  inUse: boolean;
  rows: { label: string; mode: 'strict' | 'lenient'; gold: number; old: F1Interval; new: F1Interval; newBetter: number }[];
}

export interface ConflictRow {
  note: string;
  /** The span's id, or the relation's for a relation conflict. */
  spanId: string;
  /** The span's label, or the relation's type. */
  label: string;
  /** The span's words, or "rash → lisinopril" for a relation. */
  text: string;
  /** A version of a relation, not of a span. */
  relation?: true;
}

export type SyncInfo =
  | {
      available: true;
      /** The remote URL, or null when none is configured. */
      remote: string | null;
      /** Files a sync would send / receive; null when unknown (no remote, or the status check failed). */
      pendingUp: number | null;
      pendingDown: number | null;
      conflicts: ConflictRow[];
      /** ISO time of the last completed sync, or null if never. */
      lastSync: string | null;
      /** Why pending counts are unknown (e.g. the remote could not be listed). */
      statusProblem?: string;
    }
  | { available: false; reason: string };

export interface PanelState {
  /** The workspace folder's name, or null when no folder is open. */
  workspace: string | null;
  labels: LabelRow[];
  /** Accepted relations per type, then accepted labels per attribute value set (defaults are not counted). */
  links: LinkCount[];
  /** One row per pair of annotators who finished notes in common (empty with fewer than two). */
  agreement?: AgreementRow[];
  /** Notes two annotators finished that still hold disagreements (*Sidelight: Adjudicate note*), sorted. */
  toAdjudicate?: string[];
  progress: ProgressInfo;
  model: ModelCard;
  /** Models trained here, newest first (at most a few). */
  trained: TrainedModelRow[];
  sync: SyncInfo;
  /** Files that could not be read (each names the file and what is wrong); everything else still shows. */
  problems: string[];
  /** ISO time the state was built. */
  builtAt: string;
}

/** What the host reports after a sync, as one line of text for the panel. */
export type SyncSummaryText = string;

// ---- messages -----------------------------------------------------------------------------------------

/** Page → host. The page sends `ready` first; the host answers with `state`. */
export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'sync' }
  | { type: 'refresh' }
  | { type: 'openConflict'; note: string; spanId: string }
  /** "Keep this one" on a version of a conflicting span: the other versions are removed. */
  | { type: 'keepConflictVersion'; note: string; spanId: string }
  | { type: 'openNote'; note: string }
  /** Pins a trained model for this workspace. */
  | { type: 'useModel'; name: string; version: string }
  /** Pushes a trained model to the remote and pins it for the team. */
  | { type: 'pushModel'; name: string; version: string };

/** Host → page. */
export type HostToWebviewMessage =
  | { type: 'state'; state: PanelState }
  | { type: 'syncStarted' }
  | { type: 'syncFinished'; ok: true; summary: SyncSummaryText }
  | { type: 'syncFinished'; ok: false; error: string };

/**
 * Checks a message from the page before the host acts on it: the page is a browser context, so its
 * messages are input, not trusted values.
 */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'sync':
    case 'refresh':
      return true;
    case 'openConflict':
    case 'keepConflictVersion':
      return typeof m.note === 'string' && typeof m.spanId === 'string';
    case 'openNote':
      return typeof m.note === 'string';
    case 'useModel':
    case 'pushModel':
      return typeof m.name === 'string' && typeof m.version === 'string';
    default:
      return false;
  }
}

/** Checks a message from the host (the page ignores anything else, e.g. messages of a newer host). */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'state':
      return typeof m.state === 'object' && m.state !== null;
    case 'syncStarted':
      return true;
    case 'syncFinished':
      return m.ok === true ? typeof m.summary === 'string' : m.ok === false && typeof m.error === 'string';
    default:
      return false;
  }
}
