import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exportWorkspace } from '../../src/core/annotations/importExport';
import { makeQuote, parseSidecar, serializeSidecar, type AnnotationSpan, type Sidecar } from '../../src/core/annotations/sidecar';
import { acceptedBy, verdictOf } from '../../src/core/annotations/votes';
import type { AdjudicationResult } from '../../src/vscode/labelling/adjudicateCommand';
import type { SyncSummary } from '../../src/vscode/sync/syncService';
import { closeAll, runWithFirstLabel, sidecarFile, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * Two annotators in the real extension host, through the demo's folder remote: this editor is Ben's, in
 * blind mode; Ana's work reaches the remote as her sync would push it. Their votes are kept through the
 * sync, blind mode hides Ana's labels from Ben, and *Adjudicate note* settles what they disagree on, which
 * `export --gold` then writes.
 */
const NOTE = 'general-medicine--gen-med-consult-32-3352.txt';

function remoteSidecar(name: string): string {
  const work = process.env.SIDELIGHT_TEST_WORK;
  assert.ok(work, 'SIDELIGHT_TEST_WORK is set by the integration runner');
  return path.join(work, 'remote', 'annotations', 'notes', `${name}.json`);
}

async function sync(): Promise<SyncSummary> {
  const summary = await vscode.commands.executeCommand<SyncSummary>('sidelight.sync');
  assert.equal(summary.outcome, 'synced', summary.errors.join('\n'));
  return summary;
}

suite('two annotators', () => {
  teardown(closeAll);
  const notes = scratchNotes({ syncAfterDelete: true });
  const settings = () => vscode.workspace.getConfiguration('sidelight', vscode.workspace.workspaceFolders![0].uri);
  teardown(async () => {
    await settings().update('blindMode', undefined, vscode.ConfigurationTarget.Workspace);
    await settings().update('author', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test("blind labelling synced through a folder remote keeps each annotator's votes; adjudication makes the gold", async () => {
    const api = await sidelight();
    await settings().update('author', 'ben', vscode.ConfigurationTarget.Workspace);
    await settings().update('blindMode', true, vscode.ConfigurationTarget.Workspace);
    const { name, uri, text } = await notes.copy(NOTE, 'annotators');
    const word = (w: string): [number, number] => {
      const i = text.indexOf(w);
      assert.ok(i >= 0, w);
      return [i, i + w.length];
    };
    // The model's suggestion, pre-annotated before either of them started, and synced.
    await writeSidecar(name, [stored(text, 'model-1', 'DRUG', word('ibuprofen'))]);
    await sync();

    // Ben, in this editor: labels "Coreg", rejects the model's suggestion, marks the note done.
    const editor = await vscode.window.showTextDocument(uri);
    const [cs, ce] = word('Coreg');
    editor.selection = new vscode.Selection(editor.document.positionAt(cs), editor.document.positionAt(ce));
    await runWithFirstLabel('sidelight.labelSelection');
    const bens = (await api.getAnnotations(uri)).find((s) => s.text === 'Coreg');
    assert.ok(bens, 'Ben labelled Coreg');
    await vscode.commands.executeCommand('sidelight.rejectPrediction', 'model-1');
    await vscode.commands.executeCommand('sidelight.markDone', { pending: 'keep' });

    // Ana, on her machine (her sync pushed this meanwhile): the model's suggestion accepted, the same
    // "Coreg" label under her own id, "Zoloft" that Ben did not label, and the note done.
    const file = remoteSidecar(name);
    const remote = parseSidecar(await fs.readFile(file, 'utf8'), file);
    const t = new Date().toISOString();
    const hers = (id: string, label: string, f: [number, number]): AnnotationSpan => ({ ...stored(text, id, label, f, { source: 'human', status: 'accepted', author: 'ana', createdAt: t, updatedAt: t }), quote: makeQuote(text, [f]) });
    const ana: Sidecar = {
      ...remote,
      done: true,
      doneBy: ['ana'],
      spans: [...remote.spans.map((s) => (s.id === 'model-1' ? { ...s, status: 'accepted' as const, author: 'ana', updatedAt: t } : s)), hers('ana-coreg', bens.label, [cs, ce]), hers('ana-zoloft', 'DRUG', word('Zoloft'))],
    };
    await fs.writeFile(file, serializeSidecar(ana));

    const summary = await sync();
    assert.equal(summary.conflicts, 0, 'two annotators deciding differently is no sync conflict');
    const merged = await waitFor('the merged sidecar', async () => {
      const s = parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), name);
      return s.spans.some((x) => x.id === 'ana-zoloft') && s;
    });
    assert.equal(merged.schemaVersion, 3);
    assert.deepEqual(merged.doneBy, ['ana', 'ben']);
    const coreg = merged.spans.filter((s) => s.quote.text === 'Coreg');
    assert.equal(coreg.length, 1, 'the same words labelled by both are one span');
    assert.deepEqual(acceptedBy(coreg[0]), ['ana', 'ben']);
    const model = merged.spans.find((s) => s.id === 'model-1')!;
    assert.deepEqual([verdictOf(model, 'ana'), verdictOf(model, 'ben')], ['accepted', 'rejected']);

    // Blind: Ben sees his own word on each span and not Ana's "Zoloft"; drawn as he sees it, too.
    const seen = await api.getAnnotations(uri);
    assert.deepEqual(seen.map((s) => [s.text, s.status]).sort(), [['Coreg', 'accepted'], ['ibuprofen', 'rejected']]);
    // (The model may predict Zoloft itself: that is drawn as a prediction, not as a human label.)
    const humanAt = (start: number) => api.testing.getDrawnSpans(uri).some((d) => d.start === start && d.look === 'human');
    await waitFor("the drawing with Ben's Coreg and without Ana's Zoloft", () => humanAt(cs) && !humanAt(word('Zoloft')[0]));
    // Not blind: everyone's labels, the shared status being the last decision.
    await settings().update('blindMode', false, vscode.ConfigurationTarget.Workspace);
    await waitFor('Zoloft shown once blind mode is off', async () => (await api.getAnnotations(uri)).some((s) => s.text === 'Zoloft'));
    await waitFor("Ana's Zoloft drawn once blind mode is off", () => humanAt(word('Zoloft')[0]));

    // The adjudicator (here Ben's editor, blind mode or not) settles ibuprofen (Ana's acceptance is right)
    // and Zoloft (rejected).
    const result = await vscode.commands.executeCommand<AdjudicationResult>('sidelight.adjudicateNote', { answers: ['accept:0', 'reject'] });
    assert.deepEqual([result.settled, result.left, result.adjudicated], [2, 0, true], result.message);
    const done = await waitFor('the adjudicated sidecar', async () => {
      const s = parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), name);
      return s.adjudicated !== undefined && s;
    });
    assert.equal(done.adjudicated?.by, 'ben');
    assert.deepEqual(acceptedBy(done.spans.find((s) => s.id === 'model-1')!), ['ana'], 'the votes stay as cast');
    const gold = await exportWorkspace(vscode.workspace.workspaceFolders![0].uri.fsPath, 'jsonl', { notes: 'gold' });
    assert.ok(gold.output.kind === 'text');
    const row = gold.output.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file?: string; id?: string; spans: { start: number; end: number }[] })
      .find((r) => (r.file ?? r.id ?? '').endsWith(name));
    assert.ok(row, `the adjudicated note is in the gold export: ${gold.output.text.slice(0, 200)}`);
    assert.deepEqual(row.spans.map((s) => text.slice(s.start, s.end)).sort(), ['Coreg', 'ibuprofen']);
  });

  test('Adjudicate note through its pick: the first row accepts the first version by position (the shorter of two at one start)', async () => {
    await sidelight();
    const { name, uri, text } = await notes.copy(NOTE, 'adjudicate-pick');
    const word = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    const t = new Date().toISOString();
    const by = (id: string, author: string, f: [number, number]) => stored(text, id, 'DRUG', f, { source: 'human', status: 'accepted', author, createdAt: t, updatedAt: t });
    // Ana labelled "Coreg 6.25 mg", Ben "Coreg": one disagreement of two overlapping spans.
    await writeSidecar(name, [by('ana-1', 'ana', [word('Coreg')[0], word('Coreg 6.25 mg')[1]]), by('ben-1', 'ben', word('Coreg'))], true);
    const sidecar = parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), name);
    await fs.writeFile(sidecarFile(name), serializeSidecar({ ...sidecar, doneBy: ['ana', 'ben'] }));
    await vscode.window.showTextDocument(uri);
    const result = await runWithFirstLabel<AdjudicationResult>('sidelight.adjudicateNote');
    assert.deepEqual([result?.settled, result?.adjudicated], [1, true], result?.message);
    const done = await waitFor('the adjudicated sidecar', async () => {
      const s = parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), name);
      return s.adjudicated !== undefined && s;
    });
    assert.deepEqual(done.spans.map((s) => [s.id, s.adjudication?.verdict]).sort(), [['ana-1', 'rejected'], ['ben-1', 'accepted']]);
  });
});
