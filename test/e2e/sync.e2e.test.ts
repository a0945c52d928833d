import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeQuote, serializeSidecar, type Fragment } from '../../src/core/annotations/sidecar';
import { openWorkbench, screenshot, Workbench } from './workbench';

/**
 * The sync button as a user meets it: the packaged extension in code-server, the demo workspace with a
 * label in a sidecar, one click on the status bar item in Chromium, and the sidecar lands in the demo's
 * folder remote (`file:../remote`).
 */
const NOTE = 'dermatology--acne-vulgaris-h-p-4033.txt';
const ITEM = '[id="sidelight.sidelight.sync"]';

let wb: Workbench | undefined;
after(async () => {
  await wb?.close();
});

async function writeSidecar(workspace: string): Promise<void> {
  const text = await fs.readFile(path.join(workspace, 'notes', NOTE), 'utf8');
  const start = text.search(/acne/i);
  const fragments: Fragment[] = [[start, start + 4]];
  const t = '2025-01-02T10:00:00.000Z';
  const file = path.join(workspace, '.sidelight', 'annotations', 'notes', `${NOTE}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(
    file,
    serializeSidecar({
      schemaVersion: 1,
      note: `notes/${NOTE}`,
      noteSha256: '',
      done: false,
      spans: [{ id: 'e2e-1', label: 'ADE', fragments, quote: makeQuote(text, fragments), source: 'human', status: 'accepted', flags: [], author: 'e2e', createdAt: t, updatedAt: t }],
    }),
  );
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('one click on the sync status bar item pushes the labels to the demo remote', async () => {
  wb = await openWorkbench();
  const { page } = wb;
  // The workbench is already loading: the item's file watcher sees the new sidecar like any label written later.
  await writeSidecar(wb.workspace);
  const item = page.locator(ITEM);
  await item.waitFor({ timeout: 30_000 });
  // labels.json and the new sidecar are waiting to be pushed.
  await waitFor('the pending count', async () => /↑\s*2/.test(await item.innerText()));
  const pending = await item.innerText();
  await item.click();
  const remoteSidecar = path.join(wb.remote, 'annotations', 'notes', `${NOTE}.json`);
  await waitFor('the sidecar on the remote', () => existsSync(remoteSidecar));
  const pushed = JSON.parse(await fs.readFile(remoteSidecar, 'utf8')) as { spans: { id: string }[] };
  assert.deepEqual(
    pushed.spans.map((s) => s.id),
    ['e2e-1'],
  );
  assert.ok(existsSync(path.join(wb.remote, 'labels.json')), 'labels.json is shared too');
  await waitFor('the item to show the sync is done', async () => /Synced/.test(await item.innerText()));
  assert.notEqual(await item.innerText(), pending);
  await page.locator('.notifications-toasts', { hasText: 'Sidelight: synced ↑2 ↓0' }).first().waitFor({ timeout: 10_000 });
  await page.waitForTimeout(800); // the progress notification's closing animation
  await screenshot(page, 'sync');
  await wb.close();
  wb = undefined;
});

test('in restricted mode the sync item says so and a click contacts nothing', async () => {
  wb = await openWorkbench({ trusted: false });
  const item = wb.page.locator(ITEM);
  await item.waitFor({ timeout: 30_000 });
  await waitFor('the restricted state', async () => /Sync \(restricted\)/.test(await item.innerText()));
  await item.click();
  await wb.page.locator('.notifications-toasts', { hasText: 'restricted mode' }).first().waitFor({ timeout: 10_000 });
  assert.deepEqual(await fs.readdir(wb.remote), ['.keep'], 'nothing was written to the remote');
});
