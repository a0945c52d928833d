import type { LabelSchema } from '../annotations/labelSchema';
import type { AnnotationSpan, Sidecar } from '../annotations/sidecar';
import { evaluate, type Prf as CorePrf, type SpanLike } from '../metrics';
import { agreementReport, annotatorsOf } from '../agreement/pairwiseAgreement';
import type { AgreementNote } from '../agreement/agreementInput';
import type {
  AgreementRow,
  ConflictRow,
  DevMetricsTable,
  LabelRow,
  LinkCount,
  LabelScore,
  ModelCard,
  ModelSource,
  PanelState,
  Prf,
  ProgressInfo,
  SyncInfo,
  TrainedModelRow,
  WorkspaceMetrics,
} from '../../protocol/panelProtocol';
import type { TrainedModel } from '../training/trainedModels';
import { countText, englishL10n, type L10n } from '../l10n';

/**
 * Builds what the Sidelight panel shows from plain inputs (schema, sidecars, note list, model and sync
 * facts). Pure: the editor adapter gathers the inputs, so every rule here is unit-tested under node. The
 * texts it builds go through the `L10n` passed last (the extension's `vscode.l10n`; English by default).
 */

/** The model as the adapter found it: a bundle's manifest, or why there is none. */
export type ModelInput =
  | { kind: 'unavailable'; reason: string; source?: ModelSource }
  | {
      kind: 'bundle';
      name: string;
      version: string;
      /** sha256 (hex) of manifest.json; absent for a bundle without one (unverified). */
      manifestSha256?: string;
      source: ModelSource;
      /** The manifest's free-form `metrics` object. */
      metrics?: Record<string, unknown>;
      workspace: WorkspaceMetrics;
      /** Set when the model's labels and the schema's differ (describeDisagreement). */
      labelMismatch?: string;
    };

/** The part of the sync engine's status the panel needs (structural, so the engine may grow). */
export interface SyncStatusCounts {
  toPush: readonly string[];
  toPull: readonly string[];
  toMerge: readonly string[];
  toDelete: readonly string[];
  notesToPull: readonly string[];
}

export type SyncInput =
  | { kind: 'restricted' }
  | {
      kind: 'trusted';
      /** undefined: no remote configured. */
      remote?: string;
      status?: SyncStatusCounts;
      statusProblem?: string;
      lastSync?: Date;
    };

export interface PanelInputs {
  workspace: string | null;
  /** undefined: the workspace has no `.sidelight/labels.json` (yet). */
  schema: LabelSchema | undefined;
  /** Sidecars that parsed, by workspace-relative note path. */
  sidecars: ReadonlyMap<string, Sidecar>;
  /** Note files of the workspace (workspace-relative). */
  notes: readonly string[];
  model: ModelInput;
  sync: SyncInput;
  /** Models trained in the workspace (listTrainedModels), newest first. */
  trained?: readonly TrainedModel[];
  /** The done notes' agreement input (workspaceAgreementInput.ts `agreementNote`). */
  agreement?: readonly AgreementNote[];
  /** Notes with disagreements left to adjudicate (adjudication.ts `notesToAdjudicate`). */
  toAdjudicate?: readonly string[];
  /** Spans flagged by a sync conflict (`conflictsInRaw`). */
  conflicts?: readonly ConflictRow[];
  problems?: readonly string[];
  now?: Date;
}

const MODEL_SOURCE = /^model:/;
/** The sync merge marks both versions of a span changed on both sides (src/core/sync/merge.ts). */
const CONFLICT_FLAG = 'conflict';

/** A label is an accepted span; an orphan still is one (kept, with its last quote). */
function isLabel(span: AnnotationSpan): boolean {
  return span.status === 'accepted';
}

function isOrphan(span: AnnotationSpan): boolean {
  return span.flags.includes('orphan');
}

/** Schema labels first, in schema order, then any other label found in sidecars, sorted by name. */
export function labelRows(schema: LabelSchema | undefined, sidecars: ReadonlyMap<string, Sidecar>): LabelRow[] {
  const counts = new Map<string, number>();
  for (const sidecar of sidecars.values()) {
    for (const span of sidecar.spans) if (isLabel(span)) counts.set(span.label, (counts.get(span.label) ?? 0) + 1);
  }
  const rows: LabelRow[] = (schema?.labels ?? []).map((l) => ({
    name: l.name,
    color: l.color,
    key: l.key,
    definition: l.definition,
    count: counts.get(l.name) ?? 0,
    inSchema: true,
  }));
  const known = new Set(rows.map((r) => r.name));
  const others = [...counts.keys()].filter((name) => !known.has(name)).sort();
  for (const name of others) rows.push({ name, count: counts.get(name) ?? 0, inSchema: false });
  return rows;
}

/**
 * Relations per type, then attribute values ("assertion: absent"), counting accepted relations and the
 * values set on accepted labels; types and names in the order first met, schema ones first.
 */
export function linkCounts(schema: LabelSchema | undefined, sidecars: ReadonlyMap<string, Sidecar>): LinkCount[] {
  const counts = new Map<string, number>((schema?.relations ?? []).map((r) => [r.name, 0]));
  const values = new Map<string, number>();
  for (const sidecar of sidecars.values()) {
    for (const r of sidecar.relations ?? []) if (r.status === 'accepted') counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const span of sidecar.spans) {
      if (!isLabel(span)) continue;
      for (const [name, value] of Object.entries(span.attributes ?? {})) values.set(`${name}: ${value}`, (values.get(`${name}: ${value}`) ?? 0) + 1);
    }
  }
  return [...counts, ...[...values].sort(([a], [b]) => (a < b ? -1 : 1))].map(([name, count]) => ({ name, count }));
}

/** The pairs of annotators with notes finished in common, as `sidelight agreement` reports them. */
export function agreementRows(notes: readonly AgreementNote[]): AgreementRow[] {
  if (annotatorsOf(notes).length < 2) return [];
  return agreementReport(notes)
    .pairs.filter((p) => p.notes > 0)
    .map((p) => {
      const worst = p.byNote[0];
      const disagree = worst && (worst.disagreeingTokens > 0 || (worst.strict.f1 ?? 1) < 1);
      return { a: p.a, b: p.b, notes: p.notes, strictF1: p.overall.strict.f1, lenientF1: p.overall.lenient.f1, kappa: p.overall.kappa, ...(disagree ? { worstNote: worst.note } : {}) };
    });
}

/**
 * Progress counts. The total is the note files plus any note that has labels or is marked done but is not
 * among them (deleted or excluded since), so "labelled / total" never exceeds one.
 */
export function progressInfo(notes: readonly string[], sidecars: ReadonlyMap<string, Sidecar>): ProgressInfo {
  const all = new Set(notes);
  const out: ProgressInfo = { notesTotal: 0, notesLabelled: 0, notesDone: 0, predictionsReviewed: 0, predictionsPending: 0, orphans: 0 };
  for (const [note, sidecar] of sidecars) {
    const labelled = sidecar.spans.some(isLabel);
    if (labelled) out.notesLabelled++;
    if (sidecar.done) out.notesDone++;
    if (labelled || sidecar.done) all.add(note);
    for (const span of sidecar.spans) {
      if (span.status === 'suggested') out.predictionsPending++;
      else if (MODEL_SOURCE.test(span.source)) out.predictionsReviewed++;
      if (isOrphan(span)) out.orphans++;
    }
  }
  out.notesTotal = all.size;
  return out;
}

/**
 * Which notes are the gold standard for the model's workspace metrics. Notes marked done are complete
 * (no span means "nothing there"), so they are the fair test; until any is marked done, the notes with
 * labels are used, which overstates false positives where labelling is partial (the panel says which).
 */
export function evaluationNotes(sidecars: ReadonlyMap<string, Sidecar>): { basis: 'done' | 'labelled'; notes: string[] } {
  const done = [...sidecars].filter(([, s]) => s.done).map(([note]) => note);
  if (done.length > 0) return { basis: 'done', notes: done.sort() };
  return { basis: 'labelled', notes: [...sidecars].filter(([, s]) => s.spans.some(isLabel)).map(([note]) => note).sort() };
}

/** A note's gold spans for evaluation: labels with a place in the text (orphans have none). */
function goldSpans(sidecar: Sidecar): SpanLike[] {
  return sidecar.spans
    .filter((s) => isLabel(s) && !isOrphan(s))
    .map((s) => ({ label: s.label, start: s.fragments[0][0], end: s.fragments[s.fragments.length - 1][1] }));
}

/**
 * Precision / recall / F1 of the model per label against the workspace's own labels, on the notes of
 * `evaluationNotes`. `predictions` holds the model's spans for each of those notes; a note without an
 * entry could not be predicted and is left out (and counted in the reason when nothing is left).
 */
export function workspaceMetrics(
  sidecars: ReadonlyMap<string, Sidecar>,
  predictions: ReadonlyMap<string, readonly SpanLike[]>,
  labelOrder: readonly string[] = [],
  l10n: L10n = englishL10n,
): WorkspaceMetrics {
  const { basis, notes } = evaluationNotes(sidecars);
  if (notes.length === 0) return { available: false, reason: l10n.t('no labels in this workspace yet') };
  const docs = notes
    .filter((note) => predictions.has(note))
    .map((note) => ({
      gold: goldSpans(sidecars.get(note) as Sidecar),
      predicted: (predictions.get(note) ?? []).map((s) => ({ label: s.label, start: s.start, end: s.end })),
    }));
  if (docs.length === 0) {
    const reason = notes.length === 1 ? l10n.t('none of the {0} labelled note could be predicted', countText(notes.length)) : l10n.t('none of the {0} labelled notes could be predicted', countText(notes.length));
    return { available: false, reason };
  }
  const result = evaluate(docs, [...labelOrder]);
  const rows: LabelScore[] = Object.entries(result.labels)
    // A schema label nobody used and the model never predicted says nothing: leave it out.
    .filter(([, m]) => m.strict.gold > 0 || m.strict.predicted > 0)
    .map(([label, m]) => ({ label, strict: shortPrf(m.strict), lenient: shortPrf(m.lenient), gold: m.strict.gold, predicted: m.strict.predicted }));
  return { available: true, basis, notes: docs.length, rows };
}

function shortPrf(m: CorePrf): Prf {
  return { p: m.p, r: m.r, f1: m.f1 };
}

function asPrf(v: unknown): Prf | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  return typeof o.p === 'number' && typeof o.r === 'number' && typeof o.f1 === 'number' ? { p: o.p, r: o.r, f1: o.f1 } : undefined;
}

/** The sets the training pipeline measures on, in words; another key is shown with its underscores as spaces. */
export function devSetTitle(set: string, l10n: L10n = englishL10n): string {
  switch (set) {
    case 'ade_dev':
      return l10n.t('ADE corpus abstracts, dev split');
    case 'ade_dev_relabelled':
      return l10n.t('ADE corpus abstracts, dev split, drugs relabelled to the guideline');
    case 'notes_dev':
      return l10n.t('Clinical notes (MTSamples, hand-labelled), dev split');
    default:
      return set.replace(/_/g, ' ');
  }
}

/**
 * The manifest's `metrics` as tables. The training pipeline writes `{set: {label: {strict: {p, r, f1},
 * lenient: {…}}}}`; any other shape is kept as raw JSON rather than dropped, since the manifest is free-form.
 */
export function devMetricsTables(metrics: Record<string, unknown> | undefined, l10n: L10n = englishL10n): DevMetricsTable[] {
  if (!metrics) return [];
  return Object.entries(metrics).map(([set, value]): DevMetricsTable => {
    const rows: LabelScore[] = [];
    let recognised = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
    if (recognised) {
      for (const [label, m] of Object.entries(value as Record<string, unknown>)) {
        const strict = asPrf((m as Record<string, unknown> | null)?.strict);
        const lenient = asPrf((m as Record<string, unknown> | null)?.lenient);
        if (!strict || !lenient) {
          recognised = false;
          break;
        }
        rows.push({ label, strict, lenient });
      }
    }
    const title = devSetTitle(set, l10n);
    return recognised ? { set, title, rows } : { set, title, rows: [], raw: JSON.stringify(value) };
  });
}

function spanQuoteText(span: { quote?: { text?: unknown; fragments?: unknown } }): string {
  const q = span.quote;
  if (!q || typeof q.text !== 'string') return '';
  if (Array.isArray(q.fragments)) {
    const text = q.text;
    return (q.fragments as [number, number][]).map(([s, e]) => text.slice(s, e)).join(' ');
  }
  return q.text;
}

/** The fields that mark a span as one version of a sync conflict, whether typed or read leniently. */
interface ConflictMarks {
  flags?: unknown;
  conflict?: unknown;
}

/** Whether a span (an AnnotationSpan, or one read leniently from raw JSON) is one version of a conflict. */
function isConflictSpan(span: ConflictMarks): boolean {
  return (Array.isArray(span.flags) && span.flags.includes(CONFLICT_FLAG)) || typeof span.conflict === 'string';
}

/** Spans the sync left in conflict (both versions kept, waiting for a person), note by note. */
export function conflictsOf(sidecars: ReadonlyMap<string, Sidecar>, l10n: L10n = englishL10n): ConflictRow[] {
  const out: ConflictRow[] = [];
  for (const [note, sidecar] of [...sidecars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const span of sidecar.spans) {
      if (isConflictSpan(span)) {
        out.push({ note, spanId: span.id, label: span.label, text: spanQuoteText(span) });
      }
    }
    const words = (id: string) => {
      const span = sidecar.spans.find((x) => x.id === id);
      return span ? spanQuoteText(span) : l10n.t('(a label no longer there)');
    };
    for (const r of sidecar.relations ?? []) {
      if (r.conflict !== undefined) out.push({ note, spanId: r.id, label: r.type, text: `${words(r.from)} → ${words(r.to)}`, relation: true });
    }
  }
  return out;
}

/**
 * Conflicts in a sidecar's raw JSON. The merge marks them with a `conflict` field and flag that the strict
 * parser does not keep, so they are read leniently here: a conflict shows even when the file needs fixing.
 */
export function conflictsInRaw(note: string, raw: unknown): ConflictRow[] {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { spans?: unknown }).spans)) return [];
  const out: ConflictRow[] = [];
  for (const s of (raw as { spans: unknown[] }).spans) {
    if (typeof s !== 'object' || s === null) continue;
    const span = s as { id?: unknown; label?: unknown; flags?: unknown; conflict?: unknown; quote?: { text?: unknown; fragments?: unknown } };
    if (typeof span.id === 'string' && isConflictSpan(span)) {
      out.push({ note, spanId: span.id, label: typeof span.label === 'string' ? span.label : '?', text: spanQuoteText(span) });
    }
  }
  return out;
}

/**
 * Pending transfers. A file changed on both sides (to merge) goes both ways, so it counts in both.
 */
export function syncInfo(input: SyncInput, conflicts: ConflictRow[], l10n: L10n = englishL10n): SyncInfo {
  if (input.kind === 'restricted') {
    return { available: false, reason: l10n.t('unavailable in restricted mode: trust this workspace to sync') };
  }
  const s = input.status;
  const info: SyncInfo = {
    available: true,
    remote: input.remote ?? null,
    pendingUp: s ? s.toPush.length + s.toDelete.length + s.toMerge.length : null,
    pendingDown: s ? s.toPull.length + s.notesToPull.length + s.toMerge.length : null,
    conflicts,
    lastSync: input.lastSync ? input.lastSync.toISOString() : null,
  };
  if (input.statusProblem) info.statusProblem = input.statusProblem;
  return info;
}

export function modelCard(input: ModelInput, l10n: L10n = englishL10n): ModelCard {
  if (input.kind === 'unavailable') {
    return input.source ? { available: false, reason: input.reason, source: input.source } : { available: false, reason: input.reason };
  }
  return {
    available: true,
    name: input.name,
    version: input.version,
    manifestSha256Short: input.manifestSha256 ? input.manifestSha256.slice(0, 12) : '',
    source: input.source,
    verified: input.manifestSha256 !== undefined,
    devMetrics: devMetricsTables(input.metrics, l10n),
    workspaceMetrics: input.workspace,
    ...(input.labelMismatch ? { labelMismatch: input.labelMismatch } : {}),
  };
}

/** Trained models shown in the model card: the newest few, the one in use marked. */
export const TRAINED_SHOWN = 3;

export function trainedRows(trained: readonly TrainedModel[], inUse: ModelInput): TrainedModelRow[] {
  return trained.slice(0, TRAINED_SHOWN).map((t) => ({
    name: t.name,
    version: t.version,
    createdAt: t.createdAt,
    trainNotes: t.trainNotes,
    heldOutNotes: t.heldOutNotes,
    comparedWith: t.comparedWith,
    inUse: inUse.kind === 'bundle' && inUse.name === t.name && inUse.version === t.version,
    rows: t.rows.map((r) => ({ label: r.label, mode: r.mode, gold: r.gold, old: r.old, new: r.new, newBetter: r.newBetter })),
  }));
}

export function buildPanelState(inputs: PanelInputs, l10n: L10n = englishL10n): PanelState {
  // The same conflict may come from the typed sidecars and from the raw files: keep it once.
  const conflicts = [...new Map([...conflictsOf(inputs.sidecars, l10n), ...(inputs.conflicts ?? [])].map((c) => [`${c.note}\0${c.spanId}`, c])).values()];
  return {
    workspace: inputs.workspace,
    labels: labelRows(inputs.schema, inputs.sidecars),
    links: linkCounts(inputs.schema, inputs.sidecars),
    agreement: agreementRows(inputs.agreement ?? []),
    toAdjudicate: [...(inputs.toAdjudicate ?? [])],
    progress: progressInfo(inputs.notes, inputs.sidecars),
    model: modelCard(inputs.model, l10n),
    trained: trainedRows(inputs.trained ?? [], inputs.model),
    sync: syncInfo(inputs.sync, conflicts, l10n),
    problems: [...(inputs.problems ?? [])],
    builtAt: (inputs.now ?? new Date()).toISOString(),
  };
}

/**
 * One line for the panel from whatever the `sidelight.sync` command returned: a text as it is, a sync
 * result as counts, nothing as "no result" (the command reports its own errors to the user, and returns
 * nothing then). Files that could not be synced make it an error, naming how many and the first.
 */
export function describeSyncResult(value: unknown, l10n: L10n = englishL10n): { ok: boolean; text: string } {
  if (typeof value === 'string' && value.trim()) return { ok: true, text: value.trim() };
  if (typeof value === 'object' && value !== null) {
    const r = value as Record<string, unknown>;
    const n = (key: string): number => (typeof r[key] === 'number' ? (r[key] as number) : 0);
    if (['pushed', 'pulled', 'conflicts'].some((k) => typeof r[k] === 'number')) {
      const parts = [l10n.t('↑ {0} pushed', n('pushed')), l10n.t('↓ {0} pulled', n('pulled'))];
      if (n('deleted')) parts.push(l10n.t('{0} deleted', n('deleted')));
      if (n('models')) parts.push(l10n.t('{0} model(s)', n('models')));
      parts.push(n('conflicts') === 1 ? l10n.t('{0} conflict', n('conflicts')) : l10n.t('{0} conflicts', n('conflicts')));
      const errors = Array.isArray(r.errors) ? r.errors.map(String) : [];
      if (errors.length > 0) return { ok: false, text: l10n.t('{0}; {1} file(s) not synced: {2}', parts.join(', '), errors.length, errors[0]) };
      return { ok: true, text: l10n.t('Synced: {0}', parts.join(', ')) };
    }
    if (typeof r.message === 'string' && r.message.trim()) return { ok: r.ok !== false, text: r.message.trim() };
  }
  return { ok: false, text: l10n.t('The sync command reported no result (see the Sidelight log)') };
}
