import * as vscode from 'vscode';
import type { SidelightApi } from '../../src/vscode/sidelightExtension';

/** The extension's public API, activating it if needed. */
export async function sidelight(): Promise<SidelightApi> {
  const ext = vscode.extensions.getExtension<SidelightApi>('sidelight.sidelight');
  if (!ext) throw new Error('the extension under test is not installed');
  return ext.activate();
}

export function noteUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders![0];
  return vscode.Uri.joinPath(folder.uri, 'notes', name);
}

/** Resolves when `uri`'s highlights are redrawn and `until` holds (or rejects after `ms`). */
export function highlightsUpdated(api: SidelightApi, uri: vscode.Uri, until: () => boolean = () => true, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no highlight update of ${uri.fsPath} within ${ms} ms`));
    }, ms);
    const sub = api.onDidUpdateHighlights((u) => {
      if (u.toString() === uri.toString() && until()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Runs a command that shows the label quick pick and accepts its first row (the last label used, else the
 * first). The pick appears when the host gets to it: keep accepting until the command has finished, so a
 * slow machine cannot leave the pick open and the test hanging.
 */
export async function runWithFirstLabel(command: string, ...args: unknown[]): Promise<void> {
  let finished = false;
  const done = Promise.resolve(vscode.commands.executeCommand(command, ...args)).finally(() => (finished = true));
  for (let i = 0; i < 200 && !finished; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!finished) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  await done;
}

/** Polls `probe` every 50 ms until it gives a value (not undefined or false); fails naming `what` after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
