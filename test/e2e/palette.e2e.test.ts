import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commandPalette, openWorkbench, quickOpen, runCommand, Workbench } from './workbench';

/**
 * The entry points a user is told about ("Label selection", the sync button's command, the panel) must be
 * the first row of the command palette when their name is typed. VS Code lists the commands that match
 * the typed words recently used first, then by title; so no other Sidelight title may match these names
 * at all (a recently used one would come first).
 */
const ENTRY_POINTS = ['Label selection', 'Sync annotations and models', 'Open panel'];

let wb: Workbench;
before(async () => {
  wb = await openWorkbench();
  await wb.page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 30_000 });
});
after(async () => {
  await wb?.close();
});

async function firstRow(query: string): Promise<string> {
  const rows = await commandPalette(wb.page, query);
  await wb.page.keyboard.press('Escape');
  return rows[0]?.split('\n')[0] ?? '';
}

test('typing an entry point\'s name in the palette lists it first', async () => {
  for (const name of ENTRY_POINTS) assert.equal(await firstRow(name), `Sidelight: ${name}`, `first row for "${name}"`);
});

test('"Label selection" stays first after the other labelling commands were used from the palette', async () => {
  await quickOpen(wb.page, 'dermatology--acne-vulgaris-h-p-4033.txt');
  await wb.page.locator('.monaco-editor .view-lines', { hasText: /acne/i }).first().waitFor({ timeout: 20_000 });
  // Recently used commands are listed first: these two used to match "label selection" too.
  for (const title of ['Sidelight: Adjust label boundaries to the selected text', 'Sidelight: Label one discontinuous entity (multi-cursor)']) {
    await runCommand(wb.page, title);
    // Whatever the command shows (a label pick, a message) is dismissed.
    await wb.page.waitForTimeout(500);
    await wb.page.keyboard.press('Escape');
    await wb.page.locator('.monaco-editor .view-lines').first().click();
  }
  assert.equal(await firstRow('Label selection'), 'Sidelight: Label selection');
  // Still found by their own words.
  assert.equal(await firstRow('Adjust label boundaries'), 'Sidelight: Adjust label boundaries to the selected text');
  assert.equal(await firstRow('discontinuous'), 'Sidelight: Label one discontinuous entity (multi-cursor)');
});
