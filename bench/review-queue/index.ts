/**
 * `npm run bench:review-queue`: a scripted reviewer in the real extension host, deciding every suggestion
 * and prediction of the same six demo notes twice: through *Review uncertain predictions* (one key per
 * decision), and note by note as before the queue (open the note, wait for its highlights, then *Go to
 * next unreviewed prediction* and *Accept* / *Reject* per decision). It decides alternately accept and
 * reject, instantly: the figures are the tool's own cost per decision and the keys (commands) it takes, not
 * a person's reading time. Not a test: samples go to $SIDELIGHT_BENCH_OUT, bench/runExtensionBench.ts
 * prints them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { QueueState } from '../../src/vscode/labelling/reviewQueueController';
import { closeAll, highlightsUpdated, noteUri, sidelight } from '../../test/integration/api';
import { add, type BenchOutput, runPhase } from '../hostBenchOutput';


const NOTES = [
  'orthopedic--knee-djd-consult-2195.txt',
  'dermatology--acne-vulgaris-h-p-4033.txt',
  'nephrology--nephrology-consultation-1-2997.txt',
  'neurology--arm-pain-neuro-consult-2972.txt',
  'psychiatry-psychology--psych-consult-lethargy-1786.txt',
  'general-medicine--gen-med-consult-36-3348.txt',
];

export async function run(): Promise<void> {
  await runPhase({ phase: 'main', samples: {}, info: { notes: NOTES.length } }, bench);
}


/** Copies of the notes in a folder of their own under notes/. */
async function copies(folder: string): Promise<vscode.Uri[]> {
  const uris: vscode.Uri[] = [];
  for (const note of NOTES) {
    const target = noteUri(`${folder}/${note}`);
    await fs.mkdir(path.dirname(target.fsPath), { recursive: true });
    await fs.copyFile(noteUri(note).fsPath, target.fsPath);
    uris.push(target);
  }
  return uris;
}

async function bench(out: BenchOutput): Promise<void> {
  const api = await sidelight();
  await closeAll();

  // 1. The queue: one command builds it, then one key per decision.
  const queued = await copies('bench-review-queue');
  let commands = 0;
  const t0 = performance.now();
  let state = await vscode.commands.executeCommand<QueueState>('sidelight.reviewQueue', vscode.Uri.joinPath(queued[0], '..'));
  commands++;
  add(out, 'queue.build', performance.now() - t0);
  let decisions = 0;
  while (state.current) {
    const t = performance.now();
    state = await vscode.commands.executeCommand<QueueState>(decisions % 2 ? 'sidelight.reviewQueueReject' : 'sidelight.reviewQueueAccept');
    commands++;
    decisions++;
    add(out, 'queue.decision', performance.now() - t);
  }
  const queueTotal = performance.now() - t0;
  out.info.queue = { decisions, commands, commandsPerDecision: commands / Math.max(1, decisions), totalMs: queueTotal, decisionsPerMinute: (decisions * 60_000) / queueTotal };
  await closeAll();

  // 2. Note by note: open, wait for the highlights, then next + accept/reject until none is left.
  const byNote = await copies('bench-review-notes');
  commands = 0;
  decisions = 0;
  const t1 = performance.now();
  for (const uri of byNote) {
    const drawn = highlightsUpdated(api, uri, () => true, 120_000);
    await vscode.window.showTextDocument(uri);
    commands++;
    await drawn;
    const unreviewed = async () => {
      const labels = await api.getAnnotations(uri);
      return api.testing.getDisplayedPredictions(uri).filter((p) => !labels.some((a) => a.label === p.label && a.start === p.start && a.end === p.end)).length;
    };
    // Bounded: a decision that failed to land would otherwise loop for ever.
    for (let left = await unreviewed(), guard = 0; left > 0 && guard < 500; left = await unreviewed(), guard++) {
      const t = performance.now();
      await vscode.commands.executeCommand('sidelight.nextPrediction');
      await vscode.commands.executeCommand(decisions % 2 ? 'sidelight.rejectPrediction' : 'sidelight.acceptPrediction');
      commands += 2;
      decisions++;
      add(out, 'noteByNote.decision', performance.now() - t);
    }
  }
  const noteTotal = performance.now() - t1;
  out.info.noteByNote = { decisions, commands, commandsPerDecision: commands / Math.max(1, decisions), totalMs: noteTotal, decisionsPerMinute: (decisions * 60_000) / noteTotal };

  await closeAll();
}
