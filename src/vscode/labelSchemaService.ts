import * as vscode from 'vscode';
import { DEFAULT_LABEL_SCHEMA, LabelDefinition, LabelSchema, loadLabelSchema } from '../core/annotations/labelSchema';
import { errorMessage } from '../core/errors';
import { Disposable } from './dispose';
import type { WorkspaceWatcher } from './workspaceWatcher';

/**
 * The label schema of each workspace folder (`.sidelight/labels.json`), re-read when the file changes.
 * A malformed file is reported once (naming the file and the problem) and the defaults are used
 * meanwhile; the file itself is left for the user to fix.
 */
export class LabelSchemaService extends Disposable {
  private readonly schemas = new Map<string, Promise<LabelSchema>>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.WorkspaceFolder | undefined>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    watcher: WorkspaceWatcher,
  ) {
    super();
    this._register(
      watcher.onDidChange(({ folder, changes }) => {
        if (!changes.labels) return;
        this.schemas.delete(folder.uri.toString());
        this.changed.fire(folder);
      }),
    );
  }

  schemaFor(folder: vscode.WorkspaceFolder | undefined): Promise<LabelSchema> {
    if (!folder || folder.uri.scheme !== 'file') return Promise.resolve(DEFAULT_LABEL_SCHEMA);
    const key = folder.uri.toString();
    let p = this.schemas.get(key);
    if (!p) {
      p = loadLabelSchema(folder.uri.fsPath).then(
        (s) => s ?? DEFAULT_LABEL_SCHEMA,
        (e) => {
          this.log.error(errorMessage(e));
          void vscode.window.showErrorMessage(`Sidelight: ${errorMessage(e)} (using the default labels until it is fixed)`);
          return DEFAULT_LABEL_SCHEMA;
        },
      );
      this.schemas.set(key, p);
    }
    return p;
  }

  async label(folder: vscode.WorkspaceFolder | undefined, name: string): Promise<LabelDefinition | undefined> {
    return (await this.schemaFor(folder)).labels.find((l) => l.name === name);
  }
}
