/**
 * The `L10n` that pure view modules take (the extension passes `vscode.l10n`; tests get `englishL10n`).
 * It lives in src/core/l10n.ts, since the core's texts take it too; re-exported here for the editor modules.
 */
export { countText, englishL10n, type L10n } from '../core/l10n';
