/**
 * Makes the walkthrough's pictures (media/walkthrough/<step>-light.png and -dark.png) from the real UI:
 * the packaged extension in code-server, driven by Chromium like the e2e tests. Not a test; run it after
 * `npm run package && npx tsc -p tsconfig.json` with `node out/test/e2e/walkthroughMedia.js`. Pictures are
 * cut to the part of the window the step is about and, when ImageMagick is installed, reduced to a
 * 64-colour palette, which keeps each under ~60 KB in the .vsix.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Page } from 'playwright-core';
import { repoRoot } from '../harness/paths';
import { openWorkbench, runCommand } from './workbench';

const OUT = path.join(repoRoot, 'media', 'walkthrough');
const THEMES = { light: 'Default Light Modern', dark: 'Default Dark Modern' } as const;

async function shoot(page: Page, name: string, clip: { x: number; y: number; width: number; height: number }): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await page.waitForTimeout(700); // fade-ins (hover, quick pick) finish before the picture
  await page.screenshot({ path: file, clip });
  try {
    execFileSync('convert', [file, '-colors', '64', `PNG8:${file}`]);
  } catch {
    // No ImageMagick: the full-colour PNG is kept.
  }
  console.log(`${path.relative(repoRoot, file)}: ${((await fs.stat(file)).size / 1024).toFixed(0)} KB`);
}

async function editorBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator('.part.editor').first().boundingBox();
  if (!box) throw new Error('no editor part on the page');
  return box;
}

async function waitForHighlights(page: Page): Promise<void> {
  await page.locator('[id="sidelight.sidelight.model"]', { hasText: /ADE \d+|DRUG \d+/ }).waitFor({ timeout: 60_000 });
}

async function shootTheme(theme: keyof typeof THEMES): Promise<void> {
  const wb = await openWorkbench({
    settings: { 'git.openRepositoryInParentFolders': 'never', 'editor.minimap.enabled': false },
  });
  try {
    const page = wb.page;
    await page.setViewportSize({ width: 1000, height: 620 });
    await page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 60_000 });
    // Chosen as a user does (the workbench.colorTheme user setting was not applied in code-server's first load).
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill(THEMES[theme]);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: THEMES[theme] }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1000);

    await runCommand(page, 'Sidelight: Open a note with predictions');
    await waitForHighlights(page);
    const editor = await editorBox(page);
    const clip = { x: editor.x, y: editor.y, width: Math.min(editor.width, 760), height: Math.min(editor.height, 360) };
    await page.mouse.move(0, 0);
    await shoot(page, `openNote-${theme}`, clip);

    // The cursor is on the side effect that the command put in view: select its first word.
    await page.keyboard.press('Control+Shift+ArrowRight');
    await runCommand(page, 'Sidelight: Label selection');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'ADE' }).first().waitFor();
    const picker = await page.locator('.quick-input-widget').boundingBox();
    if (!picker) throw new Error('no label picker');
    await page.mouse.move(picker.x + picker.width / 2, 500); // no tooltip over the picker's title
    await shoot(page, `labelSpan-${theme}`, { x: Math.max(0, picker.x - 20), y: 0, width: Math.min(picker.width + 40, 760), height: 360 });
    await page.keyboard.press('Escape');

    // Back in the note (Escape closed the picker): from its top, the keybinding of "next unreviewed".
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+Alt+BracketRight');
    // The hover of the selected prediction, as the mouse over it shows it.
    let box: { x: number; y: number; width: number; height: number } | null = null;
    for (let i = 0; i < 50 && !box; i++) {
      await page.waitForTimeout(100);
      for (const el of await page.locator('.part.editor .monaco-editor .selected-text').all()) {
        const b = await el.boundingBox();
        if (b && b.width > 0) box = b;
      }
    }
    if (!box) throw new Error('no selection drawn');
    await page.mouse.move(box.x + Math.min(box.width / 2, 20), box.y + box.height / 2);
    await page.locator('.monaco-hover', { hasText: 'predicted' }).first().waitFor({ timeout: 15_000 });
    const hover = await page.locator('.monaco-hover', { hasText: 'predicted' }).first().boundingBox();
    if (!hover) throw new Error('no hover');
    await shoot(page, `review-${theme}`, { x: Math.max(0, hover.x - 20), y: Math.max(0, hover.y - 60), width: Math.min(hover.width + 40, 760), height: Math.min(hover.height + 120, 360) });
    await page.keyboard.press('Escape');

    const status = await page.locator('.part.statusbar').boundingBox();
    if (!status) throw new Error('no status bar');
    await page.locator('[id="sidelight.sidelight.sync"]').hover();
    await page.locator('.monaco-hover, .custom-hover', { hasText: /sync/i }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shoot(page, `sync-${theme}`, { x: status.width - 560, y: status.y - 140, width: 560, height: 140 + status.height });

    await runCommand(page, 'Sidelight: Open panel');
    // The webview's outer iframe, then the inner frame that holds the panel's page.
    await page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('body *').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2500); // its first data arrives after the page loads
    const side = await page.locator('.part.sidebar').boundingBox();
    if (!side) throw new Error('no side bar');
    await shoot(page, `panel-${theme}`, { x: side.x, y: side.y, width: Math.min(side.width + 300, 760), height: Math.min(side.height, 420) });
  } finally {
    await wb.close();
  }
}

async function main(): Promise<void> {
  await fs.mkdir(OUT, { recursive: true });
  for (const theme of Object.keys(THEMES) as (keyof typeof THEMES)[]) await shootTheme(theme);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
