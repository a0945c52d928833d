import * as vscode from 'vscode';

/** The one log of the extension: a LogOutputChannel, so the user picks the level and nothing goes to the console. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Sidelight', { log: true });
}

/**
 * The one way an error reaches the user: written to the log (after `logContext`, e.g. the command that
 * failed), and shown as a notification with *Show log*.
 * Not awaited by callers: whatever failed is over whether or not anyone answers the notification.
 */
export function showError(log: vscode.LogOutputChannel, message: string, logContext?: string): void {
  log.error(logContext ? `${logContext}: ${message}` : message);
  const showLog = vscode.l10n.t('Show log');
  void vscode.window.showErrorMessage(vscode.l10n.t('Sidelight: {0}', message), showLog).then((choice) => choice === showLog && log.show(true));
}
