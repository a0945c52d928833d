import * as vscode from 'vscode';

/** The one log of the extension: a LogOutputChannel, so the user picks the level and nothing goes to the console. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Sidelight', { log: true });
}
