import * as l10n from '@vscode/l10n';
import { L10N_BUNDLE_ID } from '../src/protocol/panelL10n';

/**
 * Loads the translations the host wrote into the page (src/protocol/panelL10n.ts), before anything is
 * drawn: `l10n.t` answers in English until then, and for good where the page carries none (English).
 */
export function loadL10nBundle(): void {
  const text = document.getElementById(L10N_BUNDLE_ID)?.textContent;
  if (text) l10n.config({ contents: text });
}
