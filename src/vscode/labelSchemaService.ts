import * as vscode from 'vscode';
import { DEFAULT_LABEL_SCHEMA, LabelDefinition, LabelSchema, loadLabelSchema } from '../core/annotations/labelSchema';
import { errorMessage } from '../core/errors';
import { Disposable } from './dispose';
import { showError } from './log';
import type { WorkspaceWatcher } from './workspaceWatcher';

/** The labels in use for a folder: its labels.json (`ok`), the defaults for want of one (`none`), or the defaults because it is malformed. */
export interface SchemaState {
  schema: LabelSchema;
  file: 'ok' | 'none' | 'malformed';
  problem?: string;
}

/**
 * The label schema of each workspace folder (`.sidelight/labels.json`), re-read when the file changes.
 * A malformed file is reported once (naming the file and the problem) and the defaults are used
 * meanwhile; the file itself is left for the user to fix.
 */
export class LabelSchemaService extends Disposable {
  private readonly schemas = new Map<string, Promise<SchemaState>>();
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

  /** The labels in use: the folder's labels.json, else the defaults. */
  async schemaFor(folder: vscode.WorkspaceFolder | undefined): Promise<LabelSchema> {
    return (await this.stateFor(folder)).schema;
  }

  /** The labels in use and where they come from (for views that say so). */
  stateFor(folder: vscode.WorkspaceFolder | undefined): Promise<SchemaState> {
    if (!folder || folder.uri.scheme !== 'file') return Promise.resolve({ schema: DEFAULT_LABEL_SCHEMA, file: 'none' });
    const key = folder.uri.toString();
    let p = this.schemas.get(key);
    if (!p) {
      p = loadLabelSchema(folder.uri.fsPath).then(
        (s): SchemaState => (s ? { schema: s, file: 'ok' } : { schema: DEFAULT_LABEL_SCHEMA, file: 'none' }),
        (e): SchemaState => {
          showError(
            this.log,
            vscode.l10n.t("{0}. Labelling waits until it is fixed (a label must be one of the file's); the highlights use the default labels meanwhile.", errorMessage(e)),
          );
          return { schema: DEFAULT_LABEL_SCHEMA, file: 'malformed', problem: errorMessage(e) };
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
