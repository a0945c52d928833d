/**
 * How the panel's page gets the extension's translations: the host writes `vscode.l10n.bundle` into the
 * page's HTML as a JSON data block, and the page (webview/l10n.ts) hands it to @vscode/l10n before it draws
 * anything. In the HTML rather than in the first message, because the page draws its last state at once on
 * load, before the host has answered. Shared by both sides, like panelProtocol.ts: no `vscode`, no DOM.
 */

/** The id of the data block. */
export const L10N_BUNDLE_ID = 'l10n-bundle';

/**
 * The data block for `bundle` (`<script type="application/json">`: never executed, so the page's CSP needs
 * no nonce for it), or nothing for English, which has no bundle. `<` is written `\u003c`, so that no
 * message can close the element; JSON reads it back as `<`.
 */
export function l10nBundleElement(bundle: Readonly<Record<string, string>> | undefined): string {
  if (!bundle) return '';
  return `<script type="application/json" id="${L10N_BUNDLE_ID}">${JSON.stringify(bundle).replace(/</g, '\\u003c')}</script>`;
}
