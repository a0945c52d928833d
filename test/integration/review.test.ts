import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { Fragment } from '../../src/core/annotations/sidecar';
import { closeAll, noteUri, occurrences, runWithFirstLabel, sidelight, stored, TEST_MODEL as MODEL, writeSidecar } from './api';
import { deleteSidecarsEachTestAdds, scratchNotes } from './scratchNotes';

/**
 * Reviewing pre-annotated suggestions (stored spans with a model source and status `suggested`) in the real
 * extension host: labelling their text, the hover's Accept / Reject, and Pre-annotate run again. Each
 * test works on its own copies of the notes, whose sidecars are written before they are first opened.
 */

/** The command links of the hovers at `offset`, as [command, argument]. */
async function hoverLinks(uri: vscode.Uri, doc: vscode.TextDocument, offset: number): Promise<[string, unknown][]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, doc.positionAt(offset))) ?? [];
  const markdown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  return [...markdown.matchAll(/\(command:([\w.]+)\?([^)\s]*)\)/g)].map((m) => [m[1], (JSON.parse(decodeURIComponent(m[2])) as unknown[])[0]]);
}

suite('reviewing suggestions', () => {
  teardown(closeAll);
  const notes = scratchNotes();
  // The workspace-wide Pre-annotate suggests in every demo note too.
  deleteSidecarsEachTestAdds();

  test('"Label selection" on the exact text of suggestions accepts them (same ids, no duplicates), with one or several cursors', async () => {
    const api = await sidelight();
    const { name, text: raw } = await notes.copy('surgery--fiberoptic-flexible-bronchoscopy-795.txt', 'review-label-selection');
    const lidocaine = occurrences(raw, 'lidocaine');
    assert.equal(lidocaine.length, 7);
    const [demerol] = occurrences(raw, 'Demerol');
    // Alternate the labels, so that whichever label the picker gives, both cases are exercised: the same
    // label (accepted as it is) and another one (the suggestion takes the user's label).
    const suggestions = [...lidocaine.map((f, i) => stored(raw, `lido-${i}`, i % 2 ? 'ADE' : 'DRUG', f)), stored(raw, 'demerol', 'DRUG', demerol)];
    await writeSidecar(name, suggestions);
    const uri = noteUri(name);
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    assert.equal((await api.getAnnotations(uri)).length, suggestions.length);

    editor.selection = new vscode.Selection(doc.positionAt(demerol[0]), doc.positionAt(demerol[1]));
    await runWithFirstLabel('sidelight.labelSelection');
    let spans = await api.getAnnotations(uri);
    assert.equal(spans.length, suggestions.length, `no new span: ${spans.map((s) => `${s.text} ${s.status}`).join(', ')}`);
    const picked = spans.find((s) => s.id === 'demerol');
    assert.equal(picked?.status, 'accepted');

    editor.selections = lidocaine.map(([s, e]) => new vscode.Selection(doc.positionAt(s), doc.positionAt(e)));
    await runWithFirstLabel('sidelight.labelSelection');
    spans = await api.getAnnotations(uri);
    assert.equal(spans.length, suggestions.length, `no duplicates: ${spans.map((s) => `${s.text} ${s.label} ${s.status}`).join(', ')}`);
    const label = spans.find((s) => s.id === 'lido-0')?.label;
    for (const s of suggestions) {
      const now = spans.find((x) => x.id === s.id);
      assert.ok(now, `suggestion ${s.id} kept its id`);
      assert.equal(now.status, 'accepted', `${s.id} accepted`);
      assert.equal(now.source, MODEL, `${s.id} still counts as a reviewed prediction`);
      if (s.id.startsWith('lido')) assert.equal(now.label, label, `${s.id} has the label the user chose`);
    }
    assert.equal(spans.filter((s) => s.status === 'suggested').length, 0, 'nothing left to review');
  });

  test('the hover on a suggestion offers Accept / Reject / Change label; Reject keeps the span as rejected; the palette\'s Change label accepts', async () => {
    const api = await sidelight();
    const { name, text: raw } = await notes.copy('hematology-oncology--glioma-consult-3157.txt', 'review-hover');
    const [ambien] = occurrences(raw, 'Ambien');
    const [vicodin] = occurrences(raw, 'Vicodin');
    const [actonel] = occurrences(raw, 'Actonel');
    const [colace] = occurrences(raw, 'Colace');
    await writeSidecar(name, [stored(raw, 'ambien', 'DRUG', ambien), stored(raw, 'vicodin', 'DRUG', vicodin), stored(raw, 'actonel', 'DRUG', actonel), stored(raw, 'colace', 'DRUG', colace)]);
    const uri = noteUri(name);
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    await api.getAnnotations(uri);

    const links = await hoverLinks(uri, doc, ambien[0] + 2);
    const commands = links.map(([c]) => c);
    for (const c of ['sidelight.acceptPrediction', 'sidelight.rejectPrediction', 'sidelight.relabelPrediction']) assert.ok(commands.includes(c), `${c} in the hover: ${commands.join(', ')}`);
    assert.ok(!commands.includes('sidelight.removeLabel'), 'no Remove, which would lose the rejection');

    const accept = links.find(([c]) => c === 'sidelight.acceptPrediction')!;
    await vscode.commands.executeCommand(...accept);
    const reject = (await hoverLinks(uri, doc, vicodin[0] + 2)).find(([c]) => c === 'sidelight.rejectPrediction');
    assert.ok(reject, 'Reject on the second suggestion');
    await vscode.commands.executeCommand(...reject);
    const relabel = (await hoverLinks(uri, doc, actonel[0] + 2)).find(([c]) => c === 'sidelight.relabelPrediction');
    assert.ok(relabel, 'Change label on the third suggestion');
    await runWithFirstLabel(...relabel);
    // The command palette's "Change label under cursor" on a suggestion is a review too.
    editor.selection = new vscode.Selection(doc.positionAt(colace[0] + 1), doc.positionAt(colace[0] + 1));
    await runWithFirstLabel('sidelight.changeLabel');

    const spans = await api.getAnnotations(uri);
    assert.deepEqual(
      spans.map((s) => [s.id, s.status, s.source]),
      [
        ['ambien', 'accepted', MODEL],
        ['vicodin', 'rejected', MODEL],
        ['actonel', 'accepted', MODEL],
        ['colace', 'accepted', MODEL],
      ],
    );
    // An accepted suggestion's hover is a label's again: Remove / Change label.
    const after = (await hoverLinks(uri, doc, ambien[0] + 2)).map(([c]) => c);
    assert.ok(after.includes('sidelight.removeLabel') && !after.includes('sidelight.acceptPrediction'), after.join(', '));
  });

  test('Pre-annotate adds no suggestion overlapping an existing span, skips notes marked done, and says so', async () => {
    const api = await sidelight();
    const { name: open, text: rawOpen } = await notes.copy('psychiatry-psychology--psych-consult-lethargy-1786.txt', 'review-pre-annotate-open');
    const { name: done, text: rawDone } = await notes.copy('soap-chart-progress-notes--chronic-medical-conditions-followup-1432.txt', 'review-pre-annotate-done');
    // Spans the model predicts (whichever model is the default): the user widened one predicted drug to
    // take the word before it (as "extra strength Tylenol"), and rejected another one. Predicted on a copy:
    // the note itself must not be loaded before its sidecar is written, so the test does not depend on
    // the file watcher reporting that write.
    const copy = (await notes.create(`copy-${Date.now()}-${open}`, rawOpen)).uri;
    const drugs = (await api.getPredictions(copy)).filter((p) => p.label === 'DRUG');
    await fs.rm(copy.fsPath);
    const first = drugs.find((p) => /\w+ $/.test(rawOpen.slice(0, p.start)));
    assert.ok(first, 'a predicted drug after a word');
    const widened: Fragment = [rawOpen.slice(0, first.start).search(/\w+ $/), first.end];
    const other = drugs.find((p) => p.text !== first.text && !(p.start < widened[1] && widened[0] < p.end));
    assert.ok(other, 'a second predicted drug');
    const rejected: Fragment = [other.start, other.end];
    await writeSidecar(open, [
      stored(rawOpen, 'widened', 'DRUG', widened, { source: 'human', status: 'accepted' }),
      stored(rawOpen, 'rejected', 'DRUG', rejected, { status: 'rejected' }),
    ]);
    await writeSidecar(done, [stored(rawDone, 'done-1', 'DRUG', occurrences(rawDone, 'Tylenol')[0], { status: 'accepted' })], true);
    assert.ok((await api.getPredictions(noteUri(done))).length > 0, 'the model predicts in the done note');
    assert.equal((await api.getAnnotations(noteUri(open))).length, 2, 'the sidecar as written');

    const summary = await vscode.commands.executeCommand<{ added: number; skippedDone: number; message: string } | undefined>('sidelight.preAnnotate');

    const spansOpen = await api.getAnnotations(noteUri(open));
    const overlapping = spansOpen.filter((s) => s.status === 'suggested' && [widened, rejected].some(([a, b]) => s.start < b && a < s.end));
    assert.deepEqual(overlapping.map((s) => `${s.text}@${s.start}`), [], 'no suggestion inside the widened span or the rejected one');
    assert.deepEqual(spansOpen.filter((s) => s.status !== 'suggested').map((s) => s.id).sort(), ['rejected', 'widened']);
    assert.ok(spansOpen.some((s) => s.status === 'suggested'), 'the note\'s other drugs are suggested');
    const spansDone = await api.getAnnotations(noteUri(done));
    assert.deepEqual(spansDone.map((s) => s.id), ['done-1'], 'a note marked done is left alone');
    assert.ok(summary, 'the command returns what it did');
    assert.ok(summary.skippedDone >= 1, `skipped ${summary.skippedDone}`);
    assert.match(summary.message, new RegExp(`${summary.skippedDone} notes? marked done skipped`));

    // Run again: nothing new anywhere.
    const again = await vscode.commands.executeCommand<{ added: number } | undefined>('sidelight.preAnnotate');
    assert.equal(again?.added, 0);
  });
  test('"Mark note done" with suggestions pending: rejecting them marks it done, reviewing leaves it not done at the first one', async () => {
    const api = await sidelight();
    const text = 'Started amoxicillin on Monday; developed a rash and nausea by Wednesday. Amoxicillin stopped.\n';
    for (const [name, choice] of [['done-reject-pending.txt', 'reject'], ['done-review-pending.txt', 'review']] as const) {
      await notes.create(name, text);
      const [rash] = occurrences(text, 'rash');
      const [nausea] = occurrences(text, 'nausea');
      await writeSidecar(name, [stored(text, 'rash', 'ADE', rash), stored(text, 'nausea', 'ADE', nausea)]);
      const uri = noteUri(name);
      const editor = await vscode.window.showTextDocument(uri);
      const result = await vscode.commands.executeCommand<{ done: boolean; message: string } | undefined>('sidelight.markDone', { pending: choice });
      const spans = await api.getAnnotations(uri);
      if (choice === 'reject') {
        assert.equal(result?.done, true);
        assert.deepEqual(spans.map((s) => s.status), ['rejected', 'rejected']);
      } else {
        assert.equal(result?.done, false);
        assert.match(result.message, /is not marked done: review its 2 suggestions/);
        assert.deepEqual(spans.map((s) => s.status), ['suggested', 'suggested']);
        assert.equal(editor.document.getText(editor.selection), 'rash', 'the cursor is on the first pending suggestion');
      }
      await closeAll();
    }
  });
});
