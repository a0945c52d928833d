import * as vscode from 'vscode';
import { CommandIds } from './commandIds';
import { wrapCommand } from './commands/runCommand';
import { readConfig, SidelightConfig } from './configuration';
import { Disposable } from './dispose';
import { createLog } from './log';
import { SidelightStatusBar } from './statusBar';

/** What `activate()` returns to tests and other extensions. */
export interface SidelightApi {
  readonly version: string;
}

/** The whole extension as one disposable object: `activate()` builds it and returns its API. */
export class SidelightExtension extends Disposable {
  private readonly log = this._register(createLog());
  private readonly statusBar = this._register(new SidelightStatusBar());
  private config: SidelightConfig = readConfig();

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.registerCommand(CommandIds.showLog, () => this.log.show(true));
    this.registerCommand(CommandIds.labelSelection, () => this.notReadyYet('Label selection'));
    this.registerCommand(CommandIds.sync, () => this.notReadyYet('Sync'));
    this.registerCommand(CommandIds.openPanel, () => vscode.commands.executeCommand('sidelight.panel.focus'));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sidelight')) this.config = readConfig();
      }),
    );
    this.log.info(`Sidelight ${this.api.version} activated (workspace trusted: ${vscode.workspace.isTrusted})`);
  }

  get api(): SidelightApi {
    return { version: String(this.context.extension.packageJSON.version) };
  }

  private registerCommand(id: string, handler: (...args: never[]) => unknown): void {
    this._register(vscode.commands.registerCommand(id, wrapCommand(id, this.log, handler)));
  }

  private async notReadyYet(what: string): Promise<void> {
    await vscode.window.showInformationMessage(`Sidelight: ${what} is not ready yet.`);
  }
}
