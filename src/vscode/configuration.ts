import * as vscode from 'vscode';
import { Disposable } from './dispose';

/** A typed snapshot of `contributes.configuration` (package.json). */
export interface SidelightConfig {
  modelPath: string;
  remote: string;
  include: string[];
  exclude: string[];
  highlights: { enabled: boolean; threshold: number; minScore: number; idleDelay: number };
  author: string;
  /** Show only the user's own labels and the model's (core/annotations/votes.ts). */
  blindMode: boolean;
  sync: { onSave: boolean; interval: number };
  /** The Python that trains models (empty: the Python extension's interpreter, else python3). */
  python: string;
  welcome: { openOnStartup: boolean };
}

/**
 * The one owner of Sidelight's settings: a snapshot per workspace folder, read once and kept until a
 * `sidelight.*` setting, the folders or the workspace trust change (in restricted mode VS Code hides the
 * workspace's values of restricted settings such as `sidelight.model.path`). The defaults are those of
 * package.json, which VS Code applies: they are not repeated here.
 */
export class ConfigurationService extends Disposable {
  private readonly snapshots = new Map<string, SidelightConfig>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.ConfigurationChangeEvent | undefined>());
  /** Fires after the snapshots were dropped: with VS Code's event (which says what changed), or undefined when trust or folders changed. */
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('sidelight')) return;
        this.snapshots.clear();
        this.changed.fire(e);
      }),
    );
    const reset = () => {
      this.snapshots.clear();
      this.changed.fire(undefined);
    };
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(reset));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(reset));
  }

  /** The settings that apply to `scope` (a file or folder uri, or a folder); the window's when undefined. */
  for(scope?: vscode.Uri | vscode.WorkspaceFolder): SidelightConfig {
    const uri = scope instanceof vscode.Uri ? scope : scope?.uri;
    const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
    const key = folder?.uri.toString() ?? '';
    let snapshot = this.snapshots.get(key);
    if (!snapshot) this.snapshots.set(key, (snapshot = read(vscode.workspace.getConfiguration('sidelight', folder?.uri))));
    return snapshot;
  }
}

function read(c: vscode.WorkspaceConfiguration): SidelightConfig {
  const get = <T>(key: string): T => c.get<T>(key) as T;
  return {
    modelPath: get('model.path'),
    remote: get('remote'),
    include: get('include'),
    exclude: get('exclude'),
    highlights: {
      enabled: get('highlights.enabled'),
      threshold: get('highlights.threshold'),
      minScore: get('highlights.minScore'),
      idleDelay: get('highlights.idleDelay'),
    },
    author: get('author'),
    blindMode: get('blindMode'),
    sync: { onSave: get('sync.onSave'), interval: get('sync.interval') },
    python: get('python'),
    welcome: { openOnStartup: get('welcome.openOnStartup') },
  };
}
