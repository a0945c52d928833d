import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../harness/paths';
import { decoratedBoxes, openWorkbench, quickOpen, screenshot, Workbench } from './workbench';

let wb: Workbench;
before(async () => {
  wb = await openWorkbench();
});
after(async () => {
  await wb?.close();
});

/**
 * VS Code writes a decoration's theme colour into its generated CSS rule as a literal colour, so the DRUG
 * highlight is found by the light theme's default for `sidelight.label.DRUG` (package.json), as CSS prints it.
 */
function drugColour(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { colors: { id: string; defaults: { light: string } }[] } };
  const hex = pkg.contributes.colors.find((c) => c.id === 'sidelight.label.DRUG')!.defaults.light;
  const [r, g, b, a] = [1, 3, 5, 7].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${Math.round((a / 255) * 100) / 100})`;
}
const DRUG_COLOUR = drugColour();

test('the model\'s DRUG predictions are drawn in the editor and the hover shows the label\'s definition', async () => {
  await quickOpen(wb.page, 'dermatology--acne-vulgaris-h-p-4033.txt');
  let drawn: Awaited<ReturnType<typeof decoratedBoxes>> = [];
  for (let i = 0; i < 300 && drawn.length === 0; i++) {
    // Text-sized boxes only: the colour also appears in rules for whole panels (the overview ruler).
    drawn = (await decoratedBoxes(wb.page, DRUG_COLOUR)).filter((b) => b.height < 60 && b.width < 600);
    if (!drawn.length) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(drawn.length > 0, 'DRUG highlights are rendered');
  await screenshot(wb.page, 'highlights');
  const status = wb.page.locator('[id="sidelight.sidelight.model"]', { hasText: /DRUG \d+/ });
  await status.waitFor({ timeout: 10_000 });

  // Hover the first DRUG highlight on screen.
  const box = drawn[0];
  await wb.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hover = wb.page.locator('.monaco-hover', { hasText: 'DRUG predicted' });
  await hover.first().waitFor({ timeout: 15_000 });
  const text = await hover.first().innerText();
  assert.match(text, /A\s+medication:\s+every\s+brand\s+or\s+generic\s+mention/, 'the definition from .sidelight/labels.json');
  assert.match(text, /model sidelight-ade@/);
  assert.match(text, /Accept/);
  await new Promise((r) => setTimeout(r, 600)); // the hover fades in: let it finish for the picture
  await screenshot(wb.page, 'hover');
});
