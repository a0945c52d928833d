import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Page } from 'playwright-core';
import { launchBrowser } from '../harness/browser';
import { CodeServer, installVsix, startCodeServer } from '../harness/codeServer';
import { demoDir, repoRoot } from '../harness/paths';

/** The newest packaged .vsix (`npm run package`), which e2e tests install like a user would. */
export function packagedVsix(): string {
  const found = readdirSync(repoRoot)
    .filter((f) => /^sidelight-.*\.vsix$/.test(f))
    .map((f) => path.join(repoRoot, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!found.length) throw new Error('no .vsix in the repository root: run `npm run package` first');
  return found[0];
}

export interface Workbench {
  page: Page;
  server: CodeServer;
  workspace: string;
  /** The sibling folder the demo's `file:../remote` points at. */
  remote: string;
  close(): Promise<void>;
}

/**
 * A fresh copy of the demo workspace in code-server with the packaged extension installed in a fresh
 * extensions folder, driven by Debian's Chromium.
 */
export async function openWorkbench(options: { trusted?: boolean; settings?: Record<string, unknown> } = {}): Promise<Workbench> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-e2e-'));
  const workspace = path.join(work, 'workspace');
  const remote = path.join(work, 'remote');
  await fs.cp(path.join(demoDir, 'workspace'), workspace, { recursive: true });
  await fs.cp(path.join(demoDir, 'remote'), remote, { recursive: true });
  const extensionsDir = path.join(work, 'extensions');
  await fs.mkdir(extensionsDir);
  installVsix(packagedVsix(), extensionsDir);
  const server = await startCodeServer({ folder: workspace, extensionsDir, trusted: options.trusted, settings: options.settings });
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return {
    page,
    server,
    workspace,
    remote,
    async close() {
      await browser.close();
      await server.stop();
      await fs.rm(work, { recursive: true, force: true });
    },
  };
}

/** Opens a file by name through quick open (Ctrl+P), as a user does. */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  // The list first shows recently opened files, then the matches: wait for the file itself.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator(`.tab[aria-label^="${name}"]`).first().waitFor({ timeout: 20_000 });
}

/**
 * Opens the command palette (F1) and types a query; returns the visible rows' labels, in order, once the
 * list has settled (the palette filters asynchronously: the first rows drawn may be a previous query's).
 */
export async function commandPalette(page: Page, query: string): Promise<string[]> {
  const input = page.locator('.quick-input-widget input');
  // A key pressed while a webview's iframe holds the focus reaches the workbench only once the webview
  // forwards it, and is sometimes lost while the focus moves (seen once in CI-like load): press it again.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  await input.fill(`>${query}`);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ timeout: 10_000 });
  let last = await rows.allInnerTexts();
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(150);
    const now = await rows.allInnerTexts();
    if (now.join('\n') === last.join('\n')) return now;
    last = now;
  }
  return last;
}

/**
 * Runs a command from the palette by clicking its row (Enter would run the best fuzzy match, not always
 * it). The row is matched from the start of its text: "Label selection" and not "Label selections…"; a
 * "recently used" tag may follow.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  await commandPalette(page, title);
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escaped}(?!s)`) }).first();
  await row.click();
}

export const screenshotDir = path.join(repoRoot, 'test-results');

export async function screenshot(page: Page, name: string): Promise<string> {
  if (!existsSync(screenshotDir)) await fs.mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Selects the first occurrence of `text` in the active editor through the find widget, as a user would. */
export async function selectInEditor(page: Page, text: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Control+F');
  const find = page.locator('.find-widget textarea, .find-widget input').first();
  await find.waitFor({ state: 'visible' });
  await find.fill(text);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
}

/**
 * The boxes drawn with a decoration whose CSS rule contains `needle` (e.g. its colour): VS Code generates
 * decoration class names, so they are found through the style sheets, as environment.md describes.
 */
export async function decoratedBoxes(page: Page, needle: string): Promise<{ x: number; y: number; width: number; height: number }[]> {
  // A string, because this runs in the page: the project's TypeScript has no DOM types (src/core is node).
  return page.evaluate(`(() => {
    const needle = ${JSON.stringify(needle)};
    const selectors = [];
    for (const sheet of [...Array.from(document.styleSheets), ...(document.adoptedStyleSheets || [])]) {
      let rules;
      try { rules = sheet.cssRules; } catch { continue; }
      for (const rule of Array.from(rules)) {
        if (rule.selectorText && rule.cssText.includes(needle)) selectors.push(rule.selectorText);
      }
    }
    return selectors.flatMap((s) => Array.from(document.querySelectorAll(s))).map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }).filter((r) => r.width > 0 && r.height > 0);
  })()`);
}
