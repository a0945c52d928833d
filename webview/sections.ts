import type {
  AgreementRow,
  ConflictRow,
  LabelRow,
  LabelScore,
  LinkCount,
  ModelCard,
  ModelSource,
  PanelState,
  ProgressInfo,
  SyncInfo,
  TrainedModelRow,
  WorkspaceMetrics,
} from '../src/protocol/panelProtocol';
import * as l10n from '@vscode/l10n';
import { h, type Child } from './dom';

/** Renders the panel's sections from a PanelState. Pure DOM building: events are passed in. */

export interface Actions {
  openConflict(conflict: ConflictRow): void;
  keepConflictVersion(conflict: ConflictRow): void;
  useModel(model: TrainedModelRow): void;
  pushModel(model: TrainedModelRow): void;
  openNote(note: string): void;
}

/** Where the model comes from, in words (a function: the translations are loaded after this module). */
function sourceText(source: ModelSource): string {
  switch (source) {
    case 'setting':
      return l10n.t('the sidelight.model.path setting');
    case 'lock':
      return l10n.t('pinned in .sidelight/model.lock');
    case 'default':
      return l10n.t('the embedded default model');
  }
}

function fmt(x: number): string {
  return x.toFixed(2);
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((100 * part) / whole) : 0;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A collapsible section; `closed` sections stay closed across re-renders and reloads. */
export function section(id: string, heading: string, description: string, closed: readonly string[], ...body: Child[]): HTMLElement {
  return h('vscode-collapsible', { id: `section-${id}`, data: { section: id }, attrs: { heading, description, open: !closed.includes(id) } }, h('div', { class: 'section-body' }, ...body));
}

// ---- labels -----------------------------------------------------------------------------------------------

export function labelsBody(labels: LabelRow[], links: LinkCount[] = []): Child[] {
  if (labels.length === 0) return [h('p', { class: 'muted' }, l10n.t('No label schema yet: .sidelight/labels.json is written on first use.'))];
  return [
    ...linksBody(links),
    h(
      'ul',
      { class: 'labels', id: 'label-list' },
      ...labels.map((l) =>
        h(
          'li',
          { class: 'label-row', data: { label: l.name } },
          h(
            'div',
            { class: 'label-head' },
            swatch(l.color),
            h('span', { class: 'label-name' }, l.name),
            l.key ? h('kbd', { title: l10n.t('Key in the label quick pick') }, l.key) : null,
            l.inSchema ? null : h('span', { class: 'warning', title: l10n.t('Spans carry this label but .sidelight/labels.json does not define it') }, l10n.t('not in schema')),
            h('vscode-badge', { class: 'count', data: { labelCount: l.name }, title: l.count === 1 ? l10n.t('{0} {1} label', l.count, l.name) : l10n.t('{0} {1} labels', l.count, l.name), attrs: { variant: 'counter' } }, String(l.count)),
          ),
          l.definition ? h('p', { class: 'definition', title: l.definition }, l.definition) : null,
        ),
      ),
    ),
  ];
}

/** Relations per type and attribute values, one line under the labels ("caused_by 12 · assertion: absent 3"). */
function linksBody(links: LinkCount[]): Child[] {
  if (links.length === 0) return [];
  return [
    h(
      'p',
      { class: 'links', id: 'link-counts' },
      ...links.flatMap((l, i) => [i ? ' · ' : '', h('span', { data: { linkCount: l.name } }, `${l.name} `), h('vscode-badge', { attrs: { variant: 'counter' } }, String(l.count))]),
    ),
  ];
}

function swatch(color: string | undefined): HTMLElement {
  const el = h('span', { class: color ? 'swatch' : 'swatch none', attrs: { 'aria-hidden': 'true' } });
  // The label's colour is data from the schema, shown as data; everything else uses theme colours.
  if (color) el.style.backgroundColor = color;
  return el;
}

// ---- progress ------------------------------------------------------------------------------------------

export function progressBody(p: ProgressInfo): Child[] {
  return [
    meter('notes-labelled', l10n.t('Notes labelled'), p.notesLabelled, p.notesTotal),
    meter('notes-done', l10n.t('Marked done'), p.notesDone, p.notesTotal),
    // Only the suggestions written into the sidecars (Pre-annotate) are counted: live predictions are reviewed in their note.
    meter('predictions-reviewed', l10n.t('Suggestions reviewed'), p.predictionsReviewed, p.predictionsReviewed + p.predictionsPending, l10n.t('{0} pending', p.predictionsPending)),
    p.orphans > 0
      ? h(
          'p',
          { class: 'warning', id: 'orphans' },
          p.orphans === 1
            ? l10n.t("{0} label lost its place after an outside edit (orphans). In the note's *Labels in this note* list, an orphan's row offers Re-attach to the selection and Remove.", p.orphans)
            : l10n.t("{0} labels lost their place after an outside edit (orphans). In the note's *Labels in this note* list, an orphan's row offers Re-attach to the selection and Remove.", p.orphans),
        )
      : null,
  ];
}

function meter(id: string, label: string, part: number, whole: number, extra?: string): HTMLElement {
  const fill = h('div', { class: 'meter-fill' });
  fill.style.width = `${percent(part, whole)}%`;
  return h(
    'div',
    { class: 'meter', id: `progress-${id}`, data: { part: String(part), whole: String(whole) } },
    h('div', { class: 'meter-text' }, h('span', {}, label), h('span', { class: 'meter-value' }, extra ? l10n.t('{0} / {1} · {2}', part, whole, extra) : l10n.t('{0} / {1}', part, whole))),
    h('div', { class: 'meter-track', attrs: { role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': String(whole), 'aria-valuenow': String(part) } }, fill),
  );
}

// ---- model card ----------------------------------------------------------------------------------------

export function modelBody(model: ModelCard): Child[] {
  if (!model.available) {
    return [h('p', { class: 'warning', id: 'model-unavailable' }, model.source ? l10n.t('No model to show ({0}): {1}', sourceText(model.source), model.reason) : l10n.t('No model to show: {0}', model.reason))];
  }
  return [
    h(
      'dl',
      { class: 'facts', id: 'model-card' },
      h('dt', {}, l10n.t('Model')),
      h('dd', { id: 'model-name' }, `${model.name} ${model.version}`),
      h('dt', {}, l10n.t('Manifest')),
      h('dd', {}, model.verified ? h('code', { title: l10n.t('First 12 hex digits of the sha256 of manifest.json') }, model.manifestSha256Short) : h('span', { class: 'warning' }, l10n.t('none: unverified bundle'))),
      h('dt', {}, l10n.t('From')),
      h('dd', { id: 'model-source', data: { source: model.source } }, sourceText(model.source)),
    ),
    model.labelMismatch ? h('p', { class: 'warning', id: 'model-label-mismatch' }, model.labelMismatch) : null,
    h('h4', {}, l10n.t('On this workspace’s labels')),
    workspaceMetricsBlock(model.workspaceMetrics),
    ...model.devMetrics.flatMap((t) => [
      h('h4', { title: t.set }, l10n.t('Measured on {0}', t.title)),
      t.raw !== undefined ? h('code', { class: 'raw' }, t.raw) : scoreTable(t.rows, `dev-${t.set}`),
    ]),
    model.devMetrics.length === 0 ? h('p', { class: 'muted' }, l10n.t('The manifest records no dev metrics.')) : null,
  ];
}

/**
 * Models trained here: each one's comparison with the model in use when it was trained (F1 with its 95%
 * interval, old → new, on the held-out notes), and the two ways to adopt it.
 */
export function trainedBody(trained: TrainedModelRow[], actions: Actions): Child[] {
  if (trained.length === 0) return [];
  const interval = (x: { f1: number; low: number; high: number }) => `${fmt(x.f1)} [${fmt(x.low)}–${fmt(x.high)}]`;
  return [
    h('h4', {}, l10n.t('Trained from your labels')),
    ...trained.map((t) =>
      h(
        'div',
        { class: 'trained-model', data: { trainedModel: `${t.name}@${t.version}` } },
        h('p', {}, h('strong', {}, `${t.name} ${t.version}`), t.inUse ? h('span', { class: 'muted' }, l10n.t(' · in use')) : null),
        h('p', { class: 'muted' }, l10n.t('{0} · trained on {1} note(s), judged on {2} held-out note(s) against {3}', formatTime(t.createdAt), t.trainNotes, t.heldOutNotes, t.comparedWith)),
        h(
          'table',
          { class: 'scores comparison' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, l10n.t('Label')),
              h('th', {}, ''),
              h('th', { class: 'num' }, l10n.t('before')),
              h('th', { class: 'num' }, l10n.t('after')),
              h('th', { class: 'num', title: l10n.t('Share of bootstrap resamples in which the new model scores higher') }, l10n.t('better')),
            ),
          ),
          h(
            'tbody',
            {},
            ...t.rows.map((r) =>
              h(
                'tr',
                { data: { comparisonLabel: r.label, comparisonMode: r.mode } },
                h('td', { title: l10n.t('{0} labelled', r.gold) }, r.label),
                h('td', { class: 'muted' }, r.mode === 'strict' ? l10n.t('strict') : l10n.t('lenient')),
                h('td', { class: 'num' }, interval(r.old)),
                h('td', { class: 'num' }, interval(r.new)),
                h('td', { class: 'num' }, `${Math.round(r.newBetter * 100)}%`),
              ),
            ),
          ),
        ),
        t.inUse
          ? null
          : h('vscode-button', { class: 'use-model', data: { useModel: `${t.name}@${t.version}` }, title: l10n.t('Pin it for this workspace (.sidelight/model.lock)'), onClick: () => actions.useModel(t) }, l10n.t('Use this model')),
        h(
          'vscode-button',
          { class: 'push-model', data: { pushModel: `${t.name}@${t.version}` }, attrs: { secondary: true }, title: l10n.t('Upload it as a new version on the remote and pin it for every teammate (their next sync)'), onClick: () => actions.pushModel(t) },
          l10n.t('Push and pin for the team'),
        ),
      ),
    ),
  ];
}

function workspaceMetricsBlock(m: WorkspaceMetrics): Child {
  if (!m.available) return h('p', { class: 'muted', id: 'workspace-metrics' }, l10n.t('Not available: {0}.', m.reason));
  const against =
    m.basis === 'done'
      ? l10n.t('Against {0} note(s) marked done.', m.notes)
      : l10n.t('Against {0} labelled note(s); none marked done yet, so unlabelled mentions count as false positives.', m.notes);
  return h('div', { id: 'workspace-metrics' }, h('p', { class: 'muted' }, against), m.rows.length ? scoreTable(m.rows, 'workspace') : h('p', { class: 'muted' }, l10n.t('No spans to score.')));
}

/** P/R/F1 per label, strict (exact bounds) over lenient (overlap). */
function scoreTable(rows: LabelScore[], id: string): HTMLElement {
  const num = (x: number): HTMLElement => h('td', { class: 'num' }, fmt(x));
  return h(
    'table',
    { class: 'scores', id: `scores-${id}` },
    h('thead', {}, h('tr', {}, h('th', {}, l10n.t('Label')), h('th', {}, ''), h('th', { class: 'num' }, 'P'), h('th', { class: 'num' }, 'R'), h('th', { class: 'num' }, 'F1'))),
    h(
      'tbody',
      {},
      ...rows.flatMap((r) => [
        h(
          'tr',
          { data: { scoreLabel: r.label } },
          h('td', { attrs: { rowspan: '2' }, title: r.gold !== undefined ? l10n.t('{0} labelled, {1} predicted', r.gold, r.predicted ?? 0) : '' }, r.label),
          h('td', { class: 'muted', title: l10n.t('same label and exact bounds') }, l10n.t('strict')),
          num(r.strict.p),
          num(r.strict.r),
          num(r.strict.f1),
        ),
        h('tr', {}, h('td', { class: 'muted', title: l10n.t('same label and overlapping') }, l10n.t('lenient')), num(r.lenient.p), num(r.lenient.r), num(r.lenient.f1)),
      ]),
    ),
  );
}

// ---- sync ------------------------------------------------------------------------------------------------

export function syncBody(sync: SyncInfo, actions: Actions): Child[] {
  if (!sync.available) return [h('p', { class: 'warning', id: 'sync-state', data: { state: 'unavailable' } }, sync.reason)];
  const known = sync.remote !== null && sync.pendingUp !== null && sync.pendingDown !== null;
  const upToDate = known && sync.pendingUp === 0 && sync.pendingDown === 0;
  const pending =
    sync.remote === null
      ? l10n.t('no remote configured')
      : sync.pendingUp === null || sync.pendingDown === null
        ? l10n.t('unknown')
        : upToDate
          ? l10n.t('up to date')
          : l10n.t('↑ {0} to send · ↓ {1} to receive', sync.pendingUp, sync.pendingDown);
  const state = sync.remote === null ? 'not-configured' : sync.conflicts.length > 0 ? 'conflicts' : upToDate ? 'up-to-date' : 'pending';
  return [
    h(
      'dl',
      { class: 'facts', id: 'sync-state', data: { state } },
      h('dt', {}, l10n.t('Remote')),
      h('dd', { id: 'sync-remote' }, sync.remote ? h('code', {}, sync.remote) : h('span', { class: 'muted' }, l10n.t('not configured (.sidelight/config.json or the sidelight.remote setting)'))),
      h('dt', {}, l10n.t('Pending')),
      h('dd', { id: 'sync-pending', data: { up: String(sync.pendingUp ?? ''), down: String(sync.pendingDown ?? '') } }, pending),
      h('dt', {}, l10n.t('Last sync')),
      h('dd', { id: 'last-sync', data: { time: sync.lastSync ?? '' } }, sync.lastSync ? formatTime(sync.lastSync) : l10n.t('never')),
    ),
    sync.statusProblem ? h('p', { class: 'warning', id: 'sync-problem' }, sync.statusProblem) : null,
    conflictList(sync.conflicts, actions),
  ];
}

function conflictList(conflicts: ConflictRow[], actions: Actions): Child {
  if (conflicts.length === 0) return h('p', { class: 'muted', id: 'sync-conflicts', data: { count: '0' } }, l10n.t('No conflicts.'));
  return h(
    'div',
    { id: 'sync-conflicts', data: { count: String(conflicts.length) } },
    h('h4', { class: 'warning' }, conflicts.length === 1 ? l10n.t('{0} conflicting version: both kept, keep one', conflicts.length) : l10n.t('{0} conflicting versions: both kept, keep one', conflicts.length)),
    h(
      'ul',
      { class: 'conflicts' },
      ...conflicts.map((c) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              class: 'link',
              attrs: { href: '#', role: 'button' },
              title: l10n.t('Open {0} at the span', c.note),
              data: { conflictNote: c.note, conflictSpan: c.spanId },
              onClick: (e) => {
                e.preventDefault();
                actions.openConflict(c);
              },
            },
            h('span', { class: 'conflict-label' }, c.label),
            l10n.t(' “{0}”', c.text),
          ),
          h('span', { class: 'muted note-path' }, c.note),
          h(
            'vscode-button',
            {
              class: 'keep-version',
              title: l10n.t('Keep this version of {0} “{1}”: the other version is removed', c.label, c.text),
              data: { keepNote: c.note, keepSpan: c.spanId },
              attrs: { secondary: true },
              onClick: () => actions.keepConflictVersion(c),
            },
            l10n.t('Keep this one'),
          ),
        ),
      ),
    ),
  );
}

export function problemsBody(state: PanelState): Child {
  if (state.problems.length === 0) return null;
  return h('div', { id: 'problems', class: 'problems' }, h('h4', {}, l10n.t('Could not read')), h('ul', {}, ...state.problems.map((p) => h('li', {}, p))));
}

// ---- agreement ---------------------------------------------------------------------------------------------

const f2 = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

/**
 * Each pair of annotators over the notes both finished: span F1 (strict / lenient) and Cohen's kappa; then
 * the notes whose disagreements are left to adjudicate, each a link.
 */
export function agreementBody(rows: AgreementRow[], actions: Pick<Actions, 'openNote'>, toAdjudicate: readonly string[] = []): Child[] {
  const adjudicate = toAdjudicate.length
    ? h(
        'div',
        { id: 'to-adjudicate' },
        toAdjudicate.length === 1 ? l10n.t('1 note to adjudicate (Sidelight: Adjudicate note):') : l10n.t('{0} notes to adjudicate (Sidelight: Adjudicate note):', toAdjudicate.length),
        h('ul', {}, ...toAdjudicate.map((note) => h('li', { data: { note } }, h('a', { attrs: { href: '#' }, onClick: (e) => (e.preventDefault(), actions.openNote(note)) }, note)))),
      )
    : null;
  if (rows.length === 0) {
    return [h('p', { class: 'muted' }, l10n.t('Agreement needs two annotators who marked the same notes done (sidelight agreement has the details).')), adjudicate];
  }
  return [
    h(
      'ul',
      { class: 'agreement', id: 'agreement-list' },
      ...rows.map((r) =>
        h(
          'li',
          { class: 'agreement-row', data: { pair: `${r.a}|${r.b}` } },
          h('span', { class: 'pair' }, `${r.a} · ${r.b}`),
          r.notes === 1
            ? l10n.t(' 1 note · F1 {0} strict, {1} lenient · κ {2}', f2(r.strictF1), f2(r.lenientF1), f2(r.kappa))
            : l10n.t(' {0} notes · F1 {1} strict, {2} lenient · κ {3}', r.notes, f2(r.strictF1), f2(r.lenientF1), f2(r.kappa)),
          r.worstNote ? h('div', { class: 'muted' }, l10n.t('Most disagreement: '), h('a', { attrs: { href: '#' }, onClick: (e) => (e.preventDefault(), actions.openNote(r.worstNote!)) }, r.worstNote)) : null,
        ),
      ),
    ),
    adjudicate,
  ];
}
