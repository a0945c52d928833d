// Round 2 (2026-11-26): run from /tmp/sl (paths are those of that session; see ../README.md, "Round 2").
const { open, runCommand, quickOpen, shot } = require('./wb');
(async () => {
  const { page, close } = await open();
  await page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 60000 }).catch(() => console.log('no model status item'));
  await quickOpen(page, 'general-medicine--gen-med-consult-36-3348.txt');
  await page.waitForTimeout(3000);
  const t0 = Date.now();
  await runCommand(page, 'Sidelight: Pre-annotate all notes with the model');
  const toast = page.locator('.notification-toast', { hasText: 'suggestion(s) added' });
  await toast.waitFor({ timeout: 300000 });
  console.log('preannotate', (Date.now() - t0) / 1000, 's:', await toast.innerText());
  await page.waitForTimeout(1500);
  await shot(page, 'preannotated');
  await close();
})().catch((e) => { console.error(e); process.exit(1); });
