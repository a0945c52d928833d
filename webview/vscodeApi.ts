import type { PanelState, WebviewToHostMessage } from '../src/protocol/panelProtocol';

/** What the page keeps across hide/show (the view is not retained while hidden). */
export interface PageState {
  panel?: PanelState;
  sync: { running: boolean; outcome?: { ok: boolean; text: string; at: string } };
  /** Sections the user closed. */
  closed: string[];
}

interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): PageState | undefined;
  setState(state: PageState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page: this module is the one place that does. */
const api = acquireVsCodeApi();

export function post(message: WebviewToHostMessage): void {
  api.postMessage(message);
}

export function loadPageState(): PageState {
  const saved = api.getState();
  // A sync that was running when the page was hidden may be over: the host says so after `ready`.
  return { panel: saved?.panel, sync: { running: false, outcome: saved?.sync.outcome }, closed: saved?.closed ?? [] };
}

export function savePageState(state: PageState): void {
  api.setState(state);
}
