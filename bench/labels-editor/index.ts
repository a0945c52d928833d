/**
 * `npm run bench:labels-editor` (issue 6, item 8, the editor half): time from choosing a label to the
 * span drawn, in the real extension host (this module is the `extensionTestsPath` that
 * bench/runExtensionBench.ts runs in code-server). Goal ≤ 50 ms. Not a test: it writes samples to
 * $SIDELIGHT_BENCH_OUT and asserts no goal.
 *
 * Each repetition selects a word in a demo note (predictions drawn), runs `sidelight.labelSelection`,
 * waits for the quick pick, and accepts its first row with `workbench.action.acceptSelectedQuickOpenItem`,
 * as a user pressing Enter. The clock starts as that accept is sent and stops when both
 *  - `api.getAnnotations` returns the new span (asked as soon as `onDidChangeAnnotations` fires), and
 *  - the redraw has been issued: the label layer's own change listener (registered at activation, so
 *    before ours) calls the highlight controller's render, whose only await is on a cached label schema;
 *    one `setImmediate` after the change event is therefore after its `setDecorations` calls.
 * What the clock cannot see: the renderer painting after `setDecorations` (one hop from the host to the
 * page). What it adds instead: the hop of the accept command from the host to the page, which a real
 * Enter key does not take. The lower bound printed beside is that path with nothing of ours after it:
 * the same accept sent to a bare quick pick of the bench's own, timed to its `onDidAccept`.
 */
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { SidelightApi } from '../../src/vscode/sidelightExtension';
import { closeAll, highlightsUpdated, noteUri, sidelight } from '../../test/integration/api';
import { add, type BenchOutput, runPhase } from '../hostBenchOutput';


const NOTE = 'orthopedic--knee-djd-consult-2195.txt';
const REPS = Number(process.env.SIDELIGHT_BENCH_REPS ?? 15);
/** How long the quick pick takes to show: no API says when it is up (the integration tests wait 400 ms). */
const PICK_SHOW_MS = 500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  await runPhase({ phase: 'main', samples: {}, info: { note: NOTE, reps: REPS } }, bench);
}


async function bench(out: BenchOutput): Promise<void> {
  const api = await sidelight();
  const uri = noteUri(NOTE);
  await closeAll();
  const drawn = highlightsUpdated(api, uri, () => true, 300_000);
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  await drawn;
  out.info.predictionsDrawn = api.testing.getDisplayedPredictions(uri).length;
  out.info.labelsBefore = (await api.getAnnotations(uri)).length;

  // Distinct words (5+ letters) spread over the note; one more for the warm-up.
  const text = editor.document.getText();
  const words = [...text.matchAll(/\b[A-Za-z]{5,}\b/g)];
  const picks = Array.from({ length: REPS + 1 }, (_, i) => words[Math.floor(((i + 0.5) * words.length) / (REPS + 1))]);

  for (let i = 0; i <= REPS; i++) {
    const m = picks[i];
    const start = m.index;
    const end = start + m[0].length;
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(end));
    const r = await labelOnce(api, uri, start, end);
    // The first run pays for first-use work (the quick pick's code, the schema read): a warm-up.
    if (i === 0) {
      out.info.warmUpMs = r.total;
      continue;
    }
    add(out, 'label.total', r.total);
    add(out, 'label.changeEvent', r.event);
    add(out, 'label.redrawIssued', r.redraw);
    add(out, 'label.apiHasSpan', r.api);
    // The floor: the same accept sent to a bare quick pick of our own, timed to its onDidAccept. That is
    // the hop the clock includes with none of Sidelight's work after it.
    add(out, 'floor.bareQuickPickAccept', await bareQuickPickAccept());
  }
  out.info.labelsAfter = (await api.getAnnotations(uri)).length;
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await closeAll();
}

/** Time from sending the accept command to a bare quick pick's onDidAccept (the floor of the clock). */
async function bareQuickPickAccept(): Promise<number> {
  const qp = vscode.window.createQuickPick();
  qp.items = [{ label: 'ADE' }, { label: 'DRUG' }];
  try {
    qp.show();
    await sleep(PICK_SHOW_MS);
    let t0 = 0;
    const accepted = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bare quick pick was not accepted within 10 s')), 10_000);
      qp.onDidAccept(() => {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      });
    });
    t0 = performance.now();
    const command = vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const ms = await accepted;
    await command;
    return ms;
  } finally {
    qp.hide();
    qp.dispose();
  }
}

/** One "Label selection" with the first label accepted; times as described at the top. */
async function labelOnce(api: SidelightApi, uri: vscode.Uri, start: number, end: number): Promise<{ total: number; event: number; redraw: number; api: number }> {
  const command = vscode.commands.executeCommand('sidelight.labelSelection');
  await sleep(PICK_SHOW_MS);
  let t0 = 0;
  const timings = new Promise<{ total: number; event: number; redraw: number; api: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the label on ${start}-${end} did not appear within 10 s (was the quick pick shown?)`));
    }, 10_000);
    let event = 0;
    let done = false;
    // No guard against overlapping checks: a change that does not carry our span yet (the store may
    // emit more than once) must not swallow the one that does.
    const sub = api.onDidChangeAnnotations((u) => {
      if (u.toString() !== uri.toString() || !t0 || done) return;
      const at = performance.now() - t0;
      event ||= at;
      const redrawn = new Promise<number>((r) => setImmediate(() => r(performance.now() - t0)));
      const listed = api.getAnnotations(uri).then((spans) => ({ spans, ms: performance.now() - t0 }));
      void Promise.all([listed, redrawn]).then(([{ spans, ms }, redraw]) => {
        if (done || !spans.some((s) => s.start === start && s.end === end)) return; // not our span yet
        done = true;
        clearTimeout(timer);
        sub.dispose();
        resolve({ total: performance.now() - t0, event, redraw, api: ms });
      }, reject);
    });
  });
  t0 = performance.now();
  const accepted = vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  const result = await timings;
  await accepted;
  await command;
  return result;
}
