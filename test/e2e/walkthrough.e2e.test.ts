import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Page } from 'playwright-core';
import { runCommand, screenshot, Workbench, openWorkbench } from './workbench';

/**
 * The guided start as the demo sets it up (`sidelight.welcome.openOnStartup`, no git prompt): a note with
 * predictions in view and the walkthrough beside it; then the walkthrough's first two steps, clicked.
 */
let wb: Workbench;
before(async () => {
  wb = await openWorkbench({ settings: { 'sidelight.welcome.openOnStartup': true, 'git.openRepositoryInParentFolders': 'never' } });
});
after(async () => {
  await wb?.close();
});

const walkthrough = (page: Page) => page.locator('.gettingStartedContainer', { hasText: 'Get started with Sidelight' });
const noteTabs = (page: Page) => page.locator('.tab[aria-label*=".txt"]');
/** The note's text, wherever its group is (the walkthrough has no text editor). */
const noteLines = (page: Page) => page.locator('.part.editor .monaco-editor .view-lines').first();
/** The model item shows the active note's counts once its highlights are drawn. */
const adeCount = (page: Page) => page.locator('[id="sidelight.sidelight.model"]', { hasText: /ADE [1-9]/ });

test('the window opens on a note with predicted side effects in view and the walkthrough beside it', async () => {
  await walkthrough(wb.page).first().waitFor({ timeout: 90_000 });
  await noteTabs(wb.page).first().waitFor({ timeout: 30_000 });
  // The note is focused in the first group; its side effects are highlighted without any edit.
  await noteLines(wb.page).click();
  await adeCount(wb.page).waitFor({ timeout: 30_000 });
  const groups = await wb.page.locator('.editor-group-container').count();
  assert.ok(groups >= 2, `the walkthrough is beside the note (${groups} editor group(s))`);
  assert.equal(await wb.page.locator('.notifications-toasts .notification-toast', { hasText: /git repository/i }).count(), 0, 'no git prompt');
  await screenshot(wb.page, 'walkthrough-startup');
});

test('step 1: its button opens a note with predictions and draws them', async () => {
  // Close the note, so that the button is what brings one back.
  await noteLines(wb.page).click();
  await runCommand(wb.page, 'View: Close Editor');
  await noteTabs(wb.page).first().waitFor({ state: 'detached', timeout: 10_000 });
  const step = walkthrough(wb.page).locator('.getting-started-step', { hasText: 'Open a note and see the highlights' }).first();
  await step.click();
  await walkthrough(wb.page).locator('.monaco-button', { hasText: 'Open a note with predictions' }).first().click();
  await noteTabs(wb.page).first().waitFor({ timeout: 30_000 });
  await noteLines(wb.page).click();
  await adeCount(wb.page).waitFor({ timeout: 30_000 });
});

test('step 2: with the focus in the walkthrough, its button labels the selection in the note beside it', async () => {
  // Select a word of the note (the cursor is on the side effect the first step put in view).
  await wb.page.keyboard.press('Control+Shift+ArrowRight');
  const step = walkthrough(wb.page).locator('.getting-started-step', { hasText: 'Label a span' }).first();
  await step.click();
  await walkthrough(wb.page).locator('.monaco-button', { hasText: 'Label selection' }).first().click();
  const rows = wb.page.locator('.quick-input-widget .monaco-list-row');
  await rows.first().waitFor({ timeout: 10_000 });
  const labels = await rows.allInnerTexts();
  assert.ok(labels.some((l) => l.includes('ADE')) && labels.some((l) => l.includes('DRUG')), `the label picker lists the schema: ${labels.join(' | ')}`);
  await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'ADE' }).first().click();
  // The label is saved beside the note, as an accepted ADE.
  let sidecars: string[] = [];
  for (let i = 0; i < 100 && !sidecars.some((t) => /"label":\s*"ADE"/.test(t) && /"accepted"/.test(t)); i++) {
    await new Promise((r) => setTimeout(r, 100));
    sidecars = await readSidecars(path.join(wb.workspace, '.sidelight', 'annotations'));
  }
  assert.ok(sidecars.some((t) => /"label":\s*"ADE"/.test(t) && /"accepted"/.test(t)), `an accepted ADE label in a sidecar: ${sidecars.join('\n')}`);
  await screenshot(wb.page, 'walkthrough-label');
});

async function readSidecars(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return Promise.all(entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => fs.readFile(path.join(e.parentPath, e.name), 'utf8')));
}
