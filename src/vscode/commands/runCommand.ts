import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { showError } from '../log';

/**
 * Wraps every command handler once: timing in the log, and any error shown to the user with a
 * "Show log" button instead of an unhandled rejection in the extension host.
 */
export function wrapCommand<A extends unknown[]>(
  id: string,
  log: vscode.LogOutputChannel,
  handler: (...args: A) => unknown,
): (...args: A) => Promise<unknown> {
  return async (...args: A) => {
    const started = performance.now();
    try {
      return await handler(...args);
    } catch (e) {
      showError(log, errorMessage(e), `${id} failed`);
      return undefined;
    } finally {
      log.trace(`${id} took ${(performance.now() - started).toFixed(1)} ms`);
    }
  };
}
