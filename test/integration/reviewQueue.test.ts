import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { QueueItem } from '../../src/core/annotations/reviewQueue';
import { parseSidecar } from '../../src/core/annotations/sidecar';
import type { QueueState } from '../../src/vscode/labelling/reviewQueueController';
import { closeAll, noteUri, runDismissingPicks, sidecarFile, sidelight, waitFor } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * *Review uncertain predictions* over a folder of notes with the real default model: least certain first,
 * decisions by the queue's keys' commands, dispatched back to back; a second run resumes.
 */

// Wording the default model tags (checked with sidelight predict).
const TEXTS = {
  'review-queue/a.txt': 'HISTORY:\nShe was started on lisinopril last month. She developed angioedema secondary to lisinopril, which was stopped.\nAmoxicillin caused a rash.\n',
  'review-queue/b.txt': 'MEDICATIONS:\nMetformin 500 mg twice daily. Atorvastatin 20 mg at night.\nALLERGIES: Penicillin (hives).\n',
};

async function statusOnDisk(name: string, item: QueueItem): Promise<string | undefined> {
  const file = sidecarFile(name);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined; // not written yet
  return parseSidecar(text, file).spans.find((s) => s.label === item.label && s.fragments[0][0] === item.start && s.fragments[0][1] === item.end)?.status;
}

suite('review queue', () => {
  teardown(async () => {
    await vscode.commands.executeCommand('sidelight.reviewQueueStop');
    await closeAll();
  });
  const notes = scratchNotes();

  test('least certain first across the folder; accept and reject sent back to back land on the first two; a rerun offers the rest', async () => {
    await sidelight();
    for (const [name, text] of Object.entries(TEXTS)) await notes.create(name, text);
    const folder = vscode.Uri.joinPath(noteUri('review-queue/a.txt'), '..');
    notes.track(folder);
    const threshold = vscode.workspace.getConfiguration('sidelight').get<number>('highlights.threshold')!;

    const first = await vscode.commands.executeCommand<QueueState>('sidelight.reviewQueue', folder);
    assert.ok(first.total >= 4, `the model's predictions in both notes: ${JSON.stringify(first.items)}`);
    assert.ok(first.items.every((i) => i.note.startsWith('notes/review-queue/')), 'only the folder given');
    const distances = first.items.map((i) => Math.abs(i.score - threshold));
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b), 'least certain first');
    const editor = vscode.window.activeTextEditor!;
    const [one, two] = first.items;
    assert.equal(editor.document.getText(editor.selection), one.text, 'the first item is selected in its note');

    // Two keys with no time between them: each applies to the item shown when it was pressed.
    const [afterAccept, afterReject] = await Promise.all([
      vscode.commands.executeCommand<QueueState>('sidelight.reviewQueueAccept'),
      vscode.commands.executeCommand<QueueState>('sidelight.reviewQueueReject'),
    ]);
    assert.deepEqual([afterAccept.position, afterReject.position], [1, 2]);
    const name = (i: QueueItem) => i.note.slice('notes/'.length);
    await waitFor('the first accepted and the second rejected, on disk', async () =>
      (await statusOnDisk(name(one), one)) === 'accepted' && (await statusOnDisk(name(two), two)) === 'rejected' ? true : undefined,
    );

    const again = await vscode.commands.executeCommand<QueueState>('sidelight.reviewQueue', folder);
    assert.equal(again.total, first.total - 2, 'the decided ones are not offered again');
    assert.deepEqual(again.items, first.items.slice(2), 'the rest, in the same order');
    // "Change label" with the pick dismissed decides nothing: the same item is still shown.
    const dismissed = await runDismissingPicks<QueueState>('sidelight.reviewQueueRelabel');
    assert.deepEqual([dismissed?.position, dismissed?.current], [0, again.items[0]]);
    const stopped = await vscode.commands.executeCommand<QueueState>('sidelight.reviewQueueStop');
    assert.equal(stopped.total, again.total);
  });
});
