import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { openWorkbench, quickOpen, runCommand, screenshot, selectInEditor, Workbench } from './workbench';

const NOTE = 'dermatology--acne-vulgaris-h-p-4033.txt';
let wb: Workbench;
before(async () => {
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

test('select text, run "Label selection" from the command palette, pick DRUG by its key: the sidecar has the span', async () => {
  await wb.page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 30_000 });
  await quickOpen(wb.page, NOTE);
  await selectInEditor(wb.page, 'penicillin');
  await runCommand(wb.page, 'Sidelight: Label selection');
  // The label quick pick: its rows show the definitions; typing a label's key picks it.
  const labelRow = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'DRUG' });
  await labelRow.first().waitFor({ timeout: 10_000 });
  await wb.page.keyboard.type('d');
  const sidecar = path.join(wb.workspace, '.sidelight', 'annotations', 'notes', `${NOTE}.json`);
  const note = await fs.readFile(path.join(wb.workspace, 'notes', NOTE), 'utf8');
  const expected = note.indexOf('penicillin');
  let spans: { label: string; fragments: [number, number][] }[] = [];
  for (let i = 0; i < 100 && !spans.length; i++) {
    try {
      spans = JSON.parse(await fs.readFile(sidecar, 'utf8')).spans;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.deepEqual(
    spans.map((s) => [s.label, s.fragments]),
    [['DRUG', [[expected, expected + 'penicillin'.length]]]],
  );
  await screenshot(wb.page, 'labelled');
});
