import * as vscode from 'vscode';
import { SidelightApi, SidelightExtension } from './vscode/sidelightExtension';

let extension: SidelightExtension | undefined;

export function activate(context: vscode.ExtensionContext): SidelightApi {
  extension = new SidelightExtension(context);
  context.subscriptions.push(extension);
  return extension.api;
}

/** Pending labels are written before the host goes away. */
export function deactivate(): Promise<void> | undefined {
  return extension?.flush();
}
