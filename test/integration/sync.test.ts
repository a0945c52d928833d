import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { makeQuote, type AnnotationSpan } from '../../src/core/annotations/sidecar';
import type { SyncSummary } from '../../src/vscode/sync/syncService';
import { closeAll, sidelight, runWithFirstLabel, stored, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * The sync button's command in the real extension host, against the demo's folder remote: the runner
 * copies the demo workspace to SIDELIGHT_TEST_WORK/workspace and its remote (`file:../remote`) next to it.
 * Each test syncs its own copy of a note; once it is deleted, a sync takes the deletion to the remote.
 */
const NOTE = 'general-medicine--gen-med-consult-32-3352.txt';

function remoteSidecar(name: string): string {
  const work = process.env.SIDELIGHT_TEST_WORK;
  assert.ok(work, 'SIDELIGHT_TEST_WORK is set by the integration runner');
  return path.join(work, 'remote', 'annotations', 'notes', `${name}.json`);
}

suite('sync', () => {
  teardown(closeAll);
  const notes = scratchNotes({ syncAfterDelete: true });

  test('a label made in the editor reaches the folder remote through "sidelight.sync"', async () => {
    await sidelight();
    const { name, uri } = await notes.copy(NOTE, 'sync-push');
    const editor = await vscode.window.showTextDocument(uri);
    const text = editor.document.getText();
    const at = text.indexOf('Hypertension');
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + 'Hypertension'.length));
    await runWithFirstLabel('sidelight.labelSelection');
    // No wait for the sidecar: the sync flushes the editor's labels first.
    const summary = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
    assert.equal(summary.outcome, 'synced', summary.errors.join('\n'));
    assert.ok(summary.pushed >= 1, `pushed ${summary.pushed}`);
    const remote = JSON.parse(await fs.readFile(remoteSidecar(name), 'utf8')) as { spans: AnnotationSpan[] };
    assert.ok(remote.spans.some((s) => s.quote.text === 'Hypertension'), 'the span is in the remote sidecar');
    const again = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
    assert.equal(again.pushed + again.pulled, 0, 'a second sync has nothing to move');
  });

  test("a teammate's label on the remote appears in the editor after a sync", async () => {
    const api = await sidelight();
    const { name, uri, text: raw } = await notes.copy(NOTE, 'sync-pull');
    // Our own label, synced already (as the previous test leaves it).
    const ours = raw.indexOf('Hypertension');
    await writeSidecar(name, [stored(raw, 'ours', 'DRUG', [ours, ours + 'Hypertension'.length], { source: 'human', status: 'accepted' })]);
    const first = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
    assert.equal(first.outcome, 'synced', first.errors.join('\n'));
    await vscode.window.showTextDocument(uri);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const file = remoteSidecar(name);
    const car = JSON.parse(await fs.readFile(file, 'utf8')) as { spans: AnnotationSpan[] };
    const start = text.indexOf('Anemia');
    const t = new Date().toISOString();
    car.spans.push({
      id: 'teammate-1',
      label: 'ADE',
      fragments: [[start, start + 'Anemia'.length]],
      quote: makeQuote(text, [[start, start + 'Anemia'.length]]),
      source: 'human',
      status: 'accepted',
      flags: [],
      author: 'teammate',
      createdAt: t,
      updatedAt: t,
    });
    await fs.writeFile(file, JSON.stringify(car, null, 2));
    const summary = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
    assert.equal(summary.outcome, 'synced', summary.errors.join('\n'));
    assert.ok(summary.pulled >= 1, `pulled ${summary.pulled}`);
    const spans = await api.getAnnotations(uri);
    const mate = spans.find((s) => s.id === 'teammate-1');
    assert.ok(mate, `the pulled span is shown; spans: ${spans.map((s) => s.id).join(', ')}`);
    assert.equal(mate.text, 'Anemia');
    assert.ok(spans.some((s) => s.text === 'Hypertension'), 'our own label is still there');
  });
});
