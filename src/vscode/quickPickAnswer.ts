import * as vscode from 'vscode';

/**
 * A quick pick's answer as a promise, for the picks built with `createQuickPick` (preview while the active
 * row changes, a key that chooses at once, a close on edit), which `showQuickPick` cannot do.
 *
 * Shows `qp` and resolves with the first value given to `answer` by the handlers `wire` attaches (Enter, a
 * key typed, an edit of the note), or with undefined when the pick is hidden first (Escape, the focus
 * moving on). A value given after the first is ignored, so two events with no time between them cannot
 * answer twice. Once answered the pick is hidden, then disposed with the subscriptions `wire` returned.
 */
export async function quickPickAnswer<I extends vscode.QuickPickItem, T>(
  qp: vscode.QuickPick<I>,
  wire: (answer: (value: T | undefined) => void) => vscode.Disposable[] | void,
): Promise<T | undefined> {
  const subscriptions: vscode.Disposable[] = [];
  try {
    return await new Promise<T | undefined>((resolve) => {
      let answered = false;
      const answer = (value: T | undefined) => {
        if (answered) return;
        answered = true;
        resolve(value);
        qp.hide();
      };
      subscriptions.push(qp.onDidHide(() => answer(undefined)), ...(wire(answer) ?? []));
      qp.show();
    });
  } finally {
    for (const s of subscriptions) s.dispose();
    qp.dispose();
  }
}
