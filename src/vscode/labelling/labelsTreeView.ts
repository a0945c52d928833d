import * as vscode from 'vscode';
import { AnnotationSpan, quoteDisplay } from '../../core/annotations/sidecar';
import { Disposable } from '../dispose';
import { InternalCommandIds } from '../commandIds';
import { AnnotationService } from './annotationService';

type Node = { span: AnnotationSpan; uri: vscode.Uri };

/** A command's span argument: an id, or a row of this list (which VS Code passes from the row's menu). */
export function spanIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const span = (arg as Partial<Node> | undefined)?.span;
  return typeof span?.id === 'string' ? span.id : undefined;
}

/** The labels of the active note, listed in the Sidelight side bar; orphans included (they cannot be drawn). */
export class LabelsTreeView extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;

  private readonly view: vscode.TreeView<Node>;

  constructor(private readonly annotations: AnnotationService) {
    super();
    const refresh = () => {
      this.changed.fire();
      this.describe();
    };
    this._register(vscode.window.onDidChangeActiveTextEditor(refresh));
    this._register(annotations.onDidChange(refresh));
    this.view = this._register(vscode.window.createTreeView('sidelight.labels', { treeDataProvider: this, showCollapseAll: false }));
    this.describe();
  }

  /** In blind mode the list says so: colleagues' labels are missing from it on purpose. */
  private describe(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
    const me = folder && this.annotations.blindViewerIn(folder);
    this.view.description = me === undefined ? undefined : vscode.l10n.t('blind mode: {0}\'s labels and the model\'s', me);
  }

  getChildren(node?: Node): Node[] {
    const doc = vscode.window.activeTextEditor?.document;
    if (node || !doc) return [];
    return this.annotations.spansOf(doc).map((span) => ({ span, uri: doc.uri }));
  }

  getTreeItem({ span, uri }: Node): vscode.TreeItem {
    const orphan = span.flags.includes('orphan');
    const text = quoteDisplay(span.quote);
    const item = new vscode.TreeItem(`${span.label}: ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`);
    item.description = [span.status, ...span.flags].join(' · ');
    const about = vscode.l10n.t('{0} "{1}" — {2}, {3}, {4}', span.label, text, span.status, span.source, span.author);
    item.tooltip = orphan
      ? `${about}\n${vscode.l10n.t('Orphan: its text was not found after the note changed. Select the right text and choose Re-attach to the selection on this row, or Remove.')}`
      : about;
    // The row's menu (package.json, view/item/context) offers what applies to it.
    item.contextValue = orphan ? 'orphan' : 'label';
    item.iconPath = new vscode.ThemeIcon(orphan ? 'warning' : span.status === 'rejected' ? 'close' : span.status === 'suggested' ? 'lightbulb' : 'tag');
    const [s, e] = [span.fragments[0][0], span.fragments[span.fragments.length - 1][1]];
    item.command = { command: InternalCommandIds.revealSpan, title: vscode.l10n.t('Reveal'), arguments: [uri, s, e] };
    return item;
  }
}
