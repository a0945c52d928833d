import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { commandPalette, openWorkbench, quickOpen, screenshot, Workbench } from './workbench';

let wb: Workbench;
before(async () => {
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

test('the packaged extension shows its status bar items in the demo workspace', async () => {
  const model = wb.page.locator('[id="sidelight.sidelight.model"]');
  const sync = wb.page.locator('[id="sidelight.sidelight.sync"]');
  await model.waitFor({ timeout: 30_000 });
  await sync.waitFor();
  // The demo's labels.json is not on its (empty) embedded remote yet: one file to push.
  await wb.page.locator('[id="sidelight.sidelight.sync"]', { hasText: '↑1 ↓0' }).waitFor({ timeout: 20_000 });
});

test('a demo note opens and "Label selection" is in the command palette', async () => {
  await quickOpen(wb.page, 'dermatology--acne-vulgaris-h-p-4033.txt');
  // The editor renders its lines a moment after the tab opens: wait for the note's text, not just the tab.
  const lines = wb.page.locator('.monaco-editor .view-lines', { hasText: /acne/i }).first();
  await lines.waitFor({ timeout: 20_000 });
  assert.match(await lines.innerText(), /acne/i);
  const rows = await commandPalette(wb.page, 'Sidelight: Label selection');
  assert.ok(rows.some((r) => r.includes('Sidelight: Label selection')), `palette rows: ${rows.join(' | ')}`);
  await wb.page.keyboard.press('Escape');
  await screenshot(wb.page, 'smoke');
});
