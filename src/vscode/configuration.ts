import * as vscode from 'vscode';

/** A typed snapshot of `contributes.configuration` (package.json), re-read only when `sidelight.*` changes. */
export interface SidelightConfig {
  modelPath: string;
  remote: string;
  include: string[];
  exclude: string[];
  highlights: { enabled: boolean; threshold: number; minScore: number; idleDelay: number };
  author: string;
  sync: { onSave: boolean; interval: number };
  /** The Python that trains models (empty: the Python extension's interpreter, else python3). */
  python: string;
}

export function readConfig(scope?: vscode.ConfigurationScope): SidelightConfig {
  const c = vscode.workspace.getConfiguration('sidelight', scope);
  return {
    modelPath: c.get('model.path', ''),
    remote: c.get('remote', ''),
    include: c.get('include', ['**/*.txt']),
    exclude: c.get('exclude', []),
    highlights: {
      enabled: c.get('highlights.enabled', true),
      threshold: c.get('highlights.threshold', 0.5),
      minScore: c.get('highlights.minScore', 0.2),
      idleDelay: c.get('highlights.idleDelay', 300),
    },
    author: c.get('author', ''),
    sync: { onSave: c.get('sync.onSave', false), interval: c.get('sync.interval', 0) },
    python: c.get('python', ''),
  };
}
