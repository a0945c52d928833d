import * as vscode from 'vscode';
import { SidelightApi, SidelightExtension } from './vscode/sidelightExtension';

export function activate(context: vscode.ExtensionContext): SidelightApi {
  const extension = new SidelightExtension(context);
  context.subscriptions.push(extension);
  return extension.api;
}

export function deactivate(): void {}
