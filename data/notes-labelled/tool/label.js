// Round 2 (2026-11-26): run from /tmp/sl (paths are those of that session; see ../README.md, "Round 2").
// Drives the Sidelight extension in code-server to review pre-annotations and add spans for the notes given
// on the command line, executing the decisions in /tmp/sl/gold.json (my reading of each note) through the UI.
const fs = require('fs');
const { open, quickOpen, runCommand, shot, sidecar, WS } = require('./wb');
const gold = JSON.parse(fs.readFileSync('/tmp/sl/gold.json', 'utf8'));
const logf = '/tmp/sl/log.jsonl';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitSidecar(id, pred, what) {
  for (let i = 0; i < 100; i++) { const s = sidecar(id); if (s && pred(s)) return s; await sleep(100); }
  throw new Error(`${id}: sidecar never showed ${what}`);
}
function lineCol(text, off) { const before = text.slice(0, off).split('\n'); return [before.length, before[before.length - 1].length + 1]; }
async function cursorPos(page) {
  const t = await page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first().innerText();
  const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(t); return [+m[1], +m[2], +(m[3] || 0)];
}
async function gotoOffset(page, text, off) {
  const [l, c] = lineCol(text, off);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input'); await input.waitFor({ state: 'visible' });
  await input.fill(`:${l}:${c}`); await page.keyboard.press('Enter');
  await sleep(150);
  const [L, C] = await cursorPos(page);
  if (L !== l || C !== c) throw new Error(`goto ${l}:${c} landed at ${L}:${C}`);
}
async function selectRange(page, text, start, end) {
  await gotoOffset(page, text, start);
  for (let i = start; i < end; i++) await page.keyboard.press('Shift+ArrowRight');
  let n = 0;
  for (let k = 0; k < 20 && n !== end - start; k++) { await sleep(100); [, , n] = await cursorPos(page); }
  if (n !== end - start) throw new Error(`selected ${n} chars, wanted ${end - start}`);
}
(async () => {
  const ids = process.argv.slice(2);
  const { page, close } = await open();
  await page.locator('[id="sidelight.sidelight.model"]').waitFor({ timeout: 60000 });
  for (const id of ids) {
    const t0 = Date.now();
    const text = fs.readFileSync(`${WS}/notes/mtsamples/${id}.txt`, 'utf8');
    const want = gold[id];
    const stats = { id, accepted: 0, rejected: 0, adjusted: 0, added: 0, keys: 0 };
    try { await page.keyboard.press('Escape'); await quickOpen(page, `${id}.txt`); } catch (e) {
      await shot(page, 'error-quickopen'); console.error('quick open failed once, retrying');
      await page.keyboard.press('Escape'); await sleep(500); await quickOpen(page, `${id}.txt`);
    }
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await sleep(800);
    // 1. review the suggestions in order with "Go to next unreviewed prediction" + accept/reject keys
    for (;;) {
      const sc = sidecar(id);
      const sug = (sc?.spans ?? []).filter((s) => s.status === 'suggested').sort((a, b) => a.fragments[0][0] - b.fragments[0][0]);
      if (!sug.length) break;
      await page.keyboard.press('Control+Alt+BracketRight');
      await sleep(200);
      const [L, C, n] = await cursorPos(page);
      const s = sug.find((x) => { const [l, c] = lineCol(text, x.fragments[0][0]); return l === L && c === C; })
        ?? sug.find((x) => { const [l, c] = lineCol(text, x.fragments[0][1]); return l === L && c === C; });
      if (!s) throw new Error(`${id}: next-unreviewed went to ${L}:${C} (${n} sel), not a suggestion`);
      const [a, b] = s.fragments[0];
      const exact = want.find((g) => g.start === a && g.end === b && g.label === s.label);
      let overlap = want.find((g) => g.label === s.label && g.start < b && a < g.end);
      // a suggestion inside a span already accepted with its right extent is a duplicate: reject it
      if (overlap && sc.spans.some((y) => y.status === 'accepted' && y.label === overlap.label && y.fragments[0][0] === overlap.start && y.fragments[0][1] === overlap.end)) overlap = undefined;
      const before = sc.spans.length;
      if (exact) { await page.keyboard.press('Control+Alt+Y'); stats.accepted++; }
      else if (overlap) {
        await page.keyboard.press('Control+Alt+Y'); stats.accepted++;
        await waitSidecar(id, (x) => x.spans.find((y) => y.id === s.id)?.status === 'accepted', 'accept');
        await selectRange(page, text, overlap.start, overlap.end);
        await runCommand(page, 'Sidelight: Adjust label boundaries to selection'); stats.adjusted++;
        await waitSidecar(id, (x) => { const y = x.spans.find((y) => y.id === s.id); return y && y.fragments[0][0] === overlap.start && y.fragments[0][1] === overlap.end; }, 'adjust');
        await page.keyboard.press('Control+Home');
        continue;
      } else { await page.keyboard.press('Control+Alt+N'); stats.rejected++; }
      await waitSidecar(id, (x) => x.spans.find((y) => y.id === s.id)?.status !== 'suggested' || x.spans.length !== before, 'review');
    }
    // 1b. an accepted span whose boundaries differ from my decision (e.g. left by an interrupted run): adjust
    for (const s of (sidecar(id)?.spans ?? []).filter((s) => s.status === 'accepted')) {
      const [a, b] = s.fragments[0];
      if (want.some((g) => g.label === s.label && g.start === a && g.end === b)) continue;
      const overlap = want.find((g) => g.label === s.label && g.start < b && a < g.end);
      if (!overlap) throw new Error(`${id}: accepted span ${text.slice(a, b)} not in my decisions`);
      await selectRange(page, text, overlap.start, overlap.end);
      await runCommand(page, 'Sidelight: Adjust label boundaries to selection'); stats.adjusted++;
      await waitSidecar(id, (x) => { const y = x.spans.find((y) => y.id === s.id); return y && y.fragments[0][0] === overlap.start && y.fragments[0][1] === overlap.end; }, 'adjust');
    }
    // 2. add what is missing: select the exact extent, Ctrl+Alt+L ("Label selection"), the label's key
    for (const g of want) {
      const sc = sidecar(id);
      if ((sc?.spans ?? []).some((s) => s.status === 'accepted' && s.label === g.label && s.fragments[0][0] === g.start && s.fragments[0][1] === g.end)) continue;
      await selectRange(page, text, g.start, g.end);
      await page.keyboard.press('Control+Alt+L');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: g.label }).first().waitFor({ timeout: 10000 });
      await page.keyboard.type(g.label === 'DRUG' ? 'd' : 'a');
      await waitSidecar(id, (x) => x.spans.some((s) => s.status === 'accepted' && s.label === g.label && s.fragments[0][0] === g.start && s.fragments[0][1] === g.end), `added ${g.text}`);
      stats.added++;
    }
    if (!sidecar(id)?.done) {
      await runCommand(page, 'Sidelight: Mark note done / not done');
      await waitSidecar(id, (x) => x.done === true, 'done');
    }
    await shot(page, id);
    stats.seconds = (Date.now() - t0) / 1000;
    console.log(JSON.stringify(stats));
    fs.appendFileSync(logf, JSON.stringify(stats) + '\n');
  }
  await close();
})().catch((e) => { console.error(e); process.exit(1); });
