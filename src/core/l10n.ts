/**
 * The part of `vscode.l10n` that the texts built in src/core use, without a `vscode` import (src/core
 * never has one). A core function that builds a text the extension shows takes an `L10n` as its last,
 * optional parameter: the extension passes `vscode.l10n`, while the CLI and the tests get `englishL10n`
 * (the CLI stays English). Calls stay `l10n.t('literal', …)`, so scripts/l10n-bundle.js finds their messages.
 */
export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** What `vscode.l10n.t` does with an untranslated message: `{0}`, `{1}`… become the arguments; other braces stay. */
export const englishL10n: L10n = {
  t: (message, ...args) => (args.length ? message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m)) : message),
};

/**
 * A number as `count()` of src/core/plural.ts writes it ("1,234"), for the separate singular and plural
 * messages that spell out their own noun (so a translator sees whole sentences, agreement included).
 */
export function countText(n: number): string {
  return n.toLocaleString('en-US');
}
