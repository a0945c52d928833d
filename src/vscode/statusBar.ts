import * as vscode from 'vscode';
import { CommandIds } from './commandIds';
import { Disposable } from './dispose';

/**
 * The two status bar items with fixed ids (`model`, `sync`), which VS Code renders as the DOM ids
 * `sidelight.sidelight.model` and `sidelight.sidelight.sync`, so tests and users can find them.
 */
export class SidelightStatusBar extends Disposable {
  readonly model: vscode.StatusBarItem;
  readonly sync: vscode.StatusBarItem;

  constructor() {
    super();
    this.model = this._register(vscode.window.createStatusBarItem('model', vscode.StatusBarAlignment.Right, 101));
    this.model.name = vscode.l10n.t('Sidelight model');
    this.sync = this._register(vscode.window.createStatusBarItem('sync', vscode.StatusBarAlignment.Right, 100));
    this.sync.name = vscode.l10n.t('Sidelight sync');
    this.sync.command = CommandIds.sync;
    this.setModel(vscode.l10n.t('$(beaker) Sidelight'), vscode.l10n.t('Sidelight: no model loaded yet'));
    this.setSync(vscode.l10n.t('$(sync) Sync'), vscode.l10n.t('Sidelight: sync annotations and models with the remote'));
    this.model.show();
    this.sync.show();
  }

  setModel(text: string, tooltip: string): void {
    this.model.text = text;
    this.model.tooltip = tooltip;
  }

  setSync(text: string, tooltip: string): void {
    this.sync.text = text;
    this.sync.tooltip = tooltip;
  }
}
