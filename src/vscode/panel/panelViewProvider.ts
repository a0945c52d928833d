import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { l10nBundleElement } from '../../protocol/panelL10n';
import { HostToWebviewMessage, isWebviewToHostMessage, WebviewToHostMessage } from '../../protocol/panelProtocol';
import { Disposable } from '../dispose';
import { showError } from '../log';
import type { PanelDataSource } from './panelDataSource';

/**
 * The host side of the "Labelling project" webview view. It renders nothing itself: the page
 * (webview/main.ts) draws the state, and this class relays messages between the page and a PanelDataSource.
 *
 * The page is not retained while hidden (`retainContextWhenHidden: false`, cheaper); when it is shown
 * again it reloads, restores its last state from `vscode.setState`, and posts `ready`, to which this
 * answers with a fresh `state` (and `syncStarted` if a sync is still running).
 */
export class PanelViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = 'sidelight.panel';

  private view: vscode.WebviewView | undefined;
  /** Listeners of the current page; replaced when VS Code resolves the view again. */
  private viewListeners: vscode.Disposable[] = [];
  private syncing: Promise<void> | undefined;
  /** Bumped per state request, so a slow older build never overwrites a newer one in the page. */
  private stateRequest = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: PanelDataSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(source.onDidChange(() => void this.postState()));
    this._register({ dispose: () => this.disposeViewListeners() });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeViewListeners();
    this.view = view;
    const assets = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [assets] };
    view.webview.html = this.html(view.webview, assets);
    this.viewListeners.push(
      view.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
        this.disposeViewListeners();
      }),
    );
  }

  private disposeViewListeners(): void {
    for (const d of this.viewListeners.splice(0)) d.dispose();
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isWebviewToHostMessage(message)) {
      this.log.warn(`Sidelight panel: ignored an unknown message from the page: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (e) {
      showError(this.log, errorMessage(e), `Sidelight panel: ${message.type} failed`);
    }
  }

  private async handle(message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.postState();
        if (this.syncing) await this.post({ type: 'syncStarted' });
        return;
      case 'refresh':
        return this.postState();
      case 'sync':
        return this.sync();
      case 'openConflict':
        return this.source.openConflict(message.note, message.spanId);
      case 'keepConflictVersion':
        await this.source.keepConflictVersion(message.note, message.spanId);
        // The sidecar is written by now: show the result at once rather than wait for the file watcher,
        // which code-server's does not always call.
        return this.postState();
      case 'openNote':
        return this.source.openNote(message.note);
      case 'useModel':
        await this.source.useModel(message.name, message.version);
        return this.postState();
      case 'pushModel':
        await this.source.pushModel(message.name, message.version);
        return this.postState();
    }
  }

  /** One sync at a time: a second click while one runs just waits for it. */
  private sync(): Promise<void> {
    this.syncing ??= this.runSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    await this.post({ type: 'syncStarted' });
    try {
      const summary = await this.source.sync();
      this.log.info(`Sidelight panel: sync: ${summary}`);
      await this.post({ type: 'syncFinished', ok: true, summary });
    } catch (e) {
      this.log.warn(`Sidelight panel: sync: ${errorMessage(e)}`);
      await this.post({ type: 'syncFinished', ok: false, error: errorMessage(e) });
    }
    await this.postState();
  }

  private async postState(): Promise<void> {
    // A hidden page is gone (not retained) and asks with `ready` when shown: building a state for it
    // would run the model and list the remote for nothing.
    if (!this.view?.visible) return;
    const request = ++this.stateRequest;
    try {
      const state = await this.source.getState();
      if (request === this.stateRequest) await this.post({ type: 'state', state });
    } catch (e) {
      this.log.error(`Sidelight panel: cannot build its state: ${errorMessage(e)}`);
    }
  }

  private async post(message: HostToWebviewMessage): Promise<void> {
    // A hidden, non-retained page drops messages; it asks again with `ready` when shown.
    await this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, assets: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      // Lit's components set their styles at runtime, hence 'unsafe-inline' for styles (never for scripts).
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style.toString()}">
  <title>${vscode.l10n.t('Labelling project')}</title>
</head>
<body>
  <main id="app" aria-live="polite"></main>
  ${l10nBundleElement(vscode.l10n.bundle)}
  <script type="module" nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}
