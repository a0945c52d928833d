// Round 2 (2026-11-26): run from /tmp/sl (paths are those of that session; see ../README.md, "Round 2").
// Playwright helpers (recipes copied from /work/main/test/e2e/workbench.ts) driving code-server on :8631.
const { chromium } = require('/work/main/node_modules/playwright-core');
const fs = require('fs'), path = require('path');
const WS = '/tmp/sl/ws';
const URL = `http://127.0.0.1:8631/?folder=${encodeURIComponent(WS)}`;
async function open() {
  const profile = fs.mkdtempSync('/tmp/sl/chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await context.newPage();
  await page.goto(URL);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  return { page, async close() { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); } };
}
async function quickOpen(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  // wait for the row of this file: the first row can still be the previous (recently opened) file
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name.replace(/\.txt$/, '') }).first();
  await row.waitFor();
  await row.click();
  await page.locator(`.tab[aria-label^="${name}"]`).first().waitFor({ timeout: 20000 });
}
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ timeout: 10000 });
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escaped}(?!s)`) }).first().click();
}
const shot = (page, name) => page.screenshot({ path: `/tmp/sl/shots/${name}.png` });
fs.mkdirSync('/tmp/sl/shots', { recursive: true });
function sidecar(id) {
  const f = path.join(WS, '.sidelight', 'annotations', 'notes', 'mtsamples', `${id}.txt.json`);
  try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return null; }
}
module.exports = { open, quickOpen, runCommand, shot, sidecar, WS };
