import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { openWorkbench, quickOpen, runCommand, selectInEditor, Workbench } from './workbench';

/**
 * What a user saw drift: label a word, then at once (no pause) go to the top, type, save: keys typed by
 * Playwright arrive with no time between them, as with a macro or key auto-repeat. With auto-save on
 * (short delay), so that the editor's own saves land between keys as well. Every round the sidecar on disk
 * must be anchored to the saved note and its labels must cover exactly the words they were given.
 */

const NOTE = 'dermatology--acne-vulgaris-h-p-4033.txt';
let wb: Workbench;
before(async () => {
  wb = await openWorkbench({ settings: { 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': 20 } });
});
after(async () => {
  await wb?.close();
});

test('labels typed around at full speed, with auto-save on, stay on their words', async () => {
  await wb.page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 30_000 });
  await quickOpen(wb.page, NOTE);
  const notePath = path.join(wb.workspace, 'notes', NOTE);
  const sidecarPath = path.join(wb.workspace, '.sidelight', 'annotations', 'notes', `${NOTE}.json`);
  const original = await fs.readFile(notePath, 'utf8');
  // Words that occur once (the find widget ignores case), from the middle of the note down.
  const lower = original.toLowerCase();
  const once = (w: string) => lower.indexOf(w.toLowerCase()) === lower.lastIndexOf(w.toLowerCase());
  const words = [...new Set(original.slice(original.length / 3).match(/\b[A-Za-z]{8,}\b/g) ?? [])].filter(once).slice(0, 4);
  assert.equal(words.length, 4, 'the note has four words to label');
  for (const [round, word] of words.entries()) {
    await selectInEditor(wb.page, word);
    await runCommand(wb.page, 'Sidelight: Label selection');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'DRUG' }).first().waitFor({ timeout: 10_000 });
    await wb.page.keyboard.type('d');
    // As soon as the pick has closed and the editor has the focus again (keys pressed before that go to
    // the closing pick): to the top, type, save, with no time between the keys.
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.page.locator('.monaco-editor .view-lines').first().click(); // focus back in the editor
    await wb.page.keyboard.press('Control+Home');
    await wb.page.keyboard.type('XYZ ');
    await wb.page.keyboard.press('Control+S');
    let problems: string[] = [];
    for (let i = 0; i < 150; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const text = await fs.readFile(notePath, 'utf8');
        const raw = await fs.readFile(sidecarPath, 'utf8');
        const sidecar = JSON.parse(raw) as { noteSha256: string; spans: { fragments: [number, number][]; quote: { text: string } }[] };
        // An auto-save may have written the note before the last keys: wait for the one with all of them.
        problems = [`round ${round}: the note on disk does not start with the typed text yet`];
        if (!text.startsWith('XYZ '.repeat(round + 1))) continue;
        if (sidecar.noteSha256 !== createHash('sha256').update(text).digest('hex') || sidecar.spans.length < round + 1) continue;
        const covered = sidecar.spans.map((s) => text.slice(s.fragments[0][0], s.fragments[0][1])).sort();
        const expected = words.slice(0, round + 1).sort();
        problems = covered.join('|') === expected.join('|') ? [] : [`round ${round}: labels cover ${JSON.stringify(covered)}, not ${JSON.stringify(expected)}: ${raw}`];
        if (!problems.length) break;
      } catch {
        // mid-write: read again
      }
    }
    assert.deepEqual(problems, []);
  }
});
