import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as l10n from '@vscode/l10n';
import { L10N_BUNDLE_ID, l10nBundleElement } from '../../../src/protocol/panelL10n';

/** What the page's `document.getElementById(id).textContent` reads: a script element's raw text, up to the first `</script`. */
function textContentOf(html: string): string {
  const open = `<script type="application/json" id="${L10N_BUNDLE_ID}">`;
  assert.ok(html.startsWith(open), html.slice(0, 80));
  const end = html.toLowerCase().indexOf('</script', open.length);
  assert.equal(end, html.length - '</script>'.length, 'the element ends where the bundle ends');
  return html.slice(open.length, end);
}

test('the panel page carries no translations in English (no bundle)', () => {
  assert.equal(l10nBundleElement(undefined), '');
});

test("a translated bundle reaches the page's @vscode/l10n whole, messages with markup included", () => {
  const bundle = {
    'Push and pin for the team': 'Hochladen und für das Team festlegen',
    '{0} / {1} notes labelled': '{0} von {1} Notizen beschriftet',
    // A message that would end the element if written as it is, and one with a quote and an ampersand.
    'Keep this version of {0} “{1}”: the other version is removed': '</script><b>{0}</b> & "{1}"',
  };
  l10n.config({ contents: textContentOf(l10nBundleElement(bundle)) });
  assert.equal(l10n.t('Push and pin for the team'), 'Hochladen und für das Team festlegen');
  assert.equal(l10n.t('{0} / {1} notes labelled', 3, 7), '3 von 7 Notizen beschriftet');
  assert.equal(l10n.t('Keep this version of {0} “{1}”: the other version is removed', 'ADE', 'rash'), '</script><b>ADE</b> & "rash"');
  // A message the bundle lacks stays English, with its placeholders filled.
  assert.equal(l10n.t('{0} pending', 2), '2 pending');
});
