import * as vscode from 'vscode';
import type { ConfigurationService } from '../configuration';
import { CommandIds } from '../commandIds';
import { Disposable } from '../dispose';
import { ModelService } from '../highlights/modelService';
import { findNoteWithPredictions } from './noteWithPredictions';

/** The walkthrough's id as VS Code knows it: `<publisher>.<name>#<walkthrough id in package.json>`. */
export const WALKTHROUGH_ID = 'sidelight.sidelight#sidelight.firstSteps';

/**
 * The guided start: *Open a note with predictions* (the walkthrough's first step) and, when
 * `sidelight.welcome.openOnStartup` is on, that note and the walkthrough beside it as the window opens.
 */
export class WelcomeFeature extends Disposable {
  constructor(
    private readonly models: ModelService,
    private readonly config: ConfigurationService,
    register: (id: string, handler: (...args: never[]) => unknown) => void,
  ) {
    super();
    register(CommandIds.openNoteWithPredictions, () => this.openNoteWithPredictions());
    register(CommandIds.openWalkthrough, () => this.openWalkthrough(false));
    if (config.for().welcome.openOnStartup) void this.openOnStartup();
  }

  /** Opens a note in which the model predicts something, with a side effect in view; returns its uri. */
  async openNoteWithPredictions(): Promise<vscode.Uri | undefined> {
    const folder = vscode.window.activeTextEditor
      ? vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri)
      : vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new Error(vscode.l10n.t('open a folder of notes first (File > Open Folder…): Sidelight highlights the notes in a workspace folder'));
    const found = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Sidelight: looking for a note with predictions') },
      () => findNoteWithPredictions(folder, this.models, this.config),
    );
    if (!found) throw new Error(vscode.l10n.t('no notes in {0}: Sidelight highlights the files matching sidelight.include (default **/*.txt)', folder.name));
    const editor = await vscode.window.showTextDocument(found.uri, { preview: false, viewColumn: columnForNote() });
    if (found.focus) {
      const range = new vscode.Range(editor.document.positionAt(found.focus.start), editor.document.positionAt(found.focus.end));
      editor.selection = new vscode.Selection(range.start, range.start);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    }
    return found.uri;
  }

  private async openWalkthrough(toSide: boolean): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, toSide);
  }

  /** The note first, so the walkthrough opens beside it rather than taking the whole window. */
  private async openOnStartup(): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) return;
    // A window that restored its editors is a user coming back: leave it as they left it.
    if (vscode.window.visibleTextEditors.length) return;
    try {
      await this.openNoteWithPredictions();
      await this.openWalkthrough(true);
    } catch {
      // A window without notes simply opens as it would have: the walkthrough is also in Help > Welcome.
    }
  }
}

/**
 * Where the note goes: where a text editor already is; beside the focused group when that shows something
 * else (the walkthrough, whose button was clicked: the note must not hide it); else the active group.
 */
function columnForNote(): vscode.ViewColumn {
  const text = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== undefined);
  if (text?.viewColumn) return text.viewColumn;
  const active = vscode.window.tabGroups.activeTabGroup.activeTab;
  return active && !(active.input instanceof vscode.TabInputText) ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
}
