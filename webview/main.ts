// The Sidelight panel's page: draws the PanelState the host sends, and relays clicks as protocol messages.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import './panel.css';
import * as l10n from '@vscode/l10n';
import { isHostToWebviewMessage, type HostToWebviewMessage } from '../src/protocol/panelProtocol';
import { h } from './dom';
import { agreementBody, formatTime, labelsBody, modelBody, problemsBody, progressBody, section, syncBody, trainedBody, type Actions } from './sections';
import { loadL10nBundle } from './l10n';
import { loadPageState, post, savePageState, type PageState } from './vscodeApi';

// Before anything is drawn: the texts are looked up as they are built.
loadL10nBundle();
const app = document.getElementById('app') as HTMLElement;
const page: PageState = loadPageState();

const actions: Actions = {
  openConflict: (c) => post({ type: 'openConflict', note: c.note, spanId: c.spanId }),
  keepConflictVersion: (c) => post({ type: 'keepConflictVersion', note: c.note, spanId: c.spanId }),
  useModel: (m) => post({ type: 'useModel', name: m.name, version: m.version }),
  pushModel: (m) => post({ type: 'pushModel', name: m.name, version: m.version }),
  openNote: (note) => post({ type: 'openNote', note }),
};

function startSync(): void {
  if (page.sync.running) return;
  page.sync.running = true;
  render();
  post({ type: 'sync' });
}

/** The sync button, its spinner and the last result: at the top, so it is in view in a short sidebar. */
function syncBar(): HTMLElement {
  const { running, outcome } = page.sync;
  const button = h('vscode-button', { id: 'sync-button', title: l10n.t('Sync annotations and models with the remote'), attrs: { disabled: running }, onClick: startSync }, l10n.t('Sync'));
  const result = running
    ? h('span', { id: 'sync-result', data: { outcome: 'running' } }, h('vscode-progress-ring', { id: 'sync-progress', attrs: { 'aria-label': l10n.t('Syncing') } }), h('span', {}, l10n.t('Syncing…')))
    : outcome
      ? h('span', { id: 'sync-result', class: outcome.ok ? 'ok' : 'warning', data: { outcome: outcome.ok ? 'ok' : 'error' }, title: formatTime(outcome.at) }, outcome.text)
      : h('span', { id: 'sync-result', class: 'muted', data: { outcome: 'none' } });
  return h('div', { class: 'sync-bar' }, button, result);
}

function render(): void {
  const state = page.panel;
  const body = state
    ? [
        syncBar(),
        problemsBody(state),
        section('labels', l10n.t('Labels'), l10n.t('{0} in the schema', state.labels.length), page.closed, ...labelsBody(state.labels, state.links ?? [])),
        section('progress', l10n.t('Progress'), l10n.t('{0} / {1} notes labelled', state.progress.notesLabelled, state.progress.notesTotal), page.closed, ...progressBody(state.progress)),
        section('model', l10n.t('Model'), state.model.available ? `${state.model.name} ${state.model.version}` : l10n.t('unavailable'), page.closed, ...modelBody(state.model), ...trainedBody(state.trained ?? [], actions)),
        section('sync', l10n.t('Sync'), syncDescription(state), page.closed, ...syncBody(state.sync, actions)),
        section('agreement', l10n.t('Agreement'), agreementDescription(state.agreement ?? []), page.closed, ...agreementBody(state.agreement ?? [], actions, state.toAdjudicate ?? [])),
      ]
    : [syncBar(), h('p', { class: 'muted loading' }, h('vscode-progress-ring', {}), l10n.t('Reading the labelling project…'))];
  app.replaceChildren(...body.filter((c): c is HTMLElement => c instanceof HTMLElement));
  document.body.dataset.syncing = String(page.sync.running);
  savePageState(page);
}

function syncDescription(state: NonNullable<PageState['panel']>): string {
  const s = state.sync;
  if (!s.available) return l10n.t('unavailable');
  if (s.conflicts.length) return l10n.t('{0} conflict(s)', s.conflicts.length);
  if (s.remote === null) return l10n.t('not configured');
  return s.pendingUp === null || s.pendingDown === null ? '' : `↑ ${s.pendingUp} ↓ ${s.pendingDown}`;
}

function onMessage(message: HostToWebviewMessage): void {
  switch (message.type) {
    case 'state':
      page.panel = message.state;
      break;
    case 'syncStarted':
      page.sync.running = true;
      break;
    case 'syncFinished':
      page.sync = { running: false, outcome: { ok: message.ok, text: message.ok ? message.summary : message.error, at: new Date().toISOString() } };
      break;
  }
  render();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostToWebviewMessage(event.data)) onMessage(event.data);
});

// Remember which sections the user closed (the page is rebuilt on every state).
app.addEventListener('vsc-collapsible-toggle', (event) => {
  const id = (event.target as HTMLElement).dataset.section;
  if (!id) return;
  page.closed = event.detail.open ? page.closed.filter((s) => s !== id) : [...new Set([...page.closed, id])];
  savePageState(page);
});

// Draw what was shown last time at once, then ask the host for the current state.
render();
post({ type: 'ready' });

function agreementDescription(rows: readonly { a: string; b: string }[]): string {
  const annotators = new Set(rows.flatMap((r) => [r.a, r.b])).size;
  return rows.length ? l10n.t('{0} annotators', annotators) : l10n.t('one annotator so far');
}
