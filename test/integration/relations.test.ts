import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { AnnotationRelation } from '../../src/core/annotations/sidecar';
import { parseSidecar, serializeSidecar } from '../../src/core/annotations/sidecar';
import { closeAll, runWithFirstLabel, sidecarFile, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * Relations and attributes in the editor: *Link to…* from an ADE offers the DRUG labels nearest first and
 * previews the active one; the hover names the other end; *Set attribute…* with `absent` strikes the label
 * through; both are undone and redone with the labels, and follow edits above them.
 */

const SOURCE = 'psychiatry-psychology--psych-consult-lethargy-1786.txt';

async function hoverText(uri: vscode.Uri, offset: number): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

async function relationsOnDisk(name: string): Promise<AnnotationRelation[]> {
  const file = sidecarFile(name);
  return parseSidecar(await fs.readFile(file, 'utf8'), file).relations ?? [];
}

suite('relations and attributes in the editor', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  test('"Link to…" offers the nearest DRUG first, previewed; the relation is saved, shown in the hover, undone and redone', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'link-to');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [
      stored(text, 'ade', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' }),
      stored(text, 'near', 'DRUG', at('Lexapro'), { source: 'human', status: 'accepted' }),
      stored(text, 'far', 'DRUG', at('Provigil'), { source: 'human', status: 'accepted' }),
    ]);
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 3 ? true : undefined));
    const inAde = editor.document.positionAt(at('hypersomnia')[0] + 2);
    editor.selection = new vscode.Selection(inAde, inAde);

    let finished = false;
    const linking = Promise.resolve(vscode.commands.executeCommand<AnnotationRelation | undefined>('sidelight.linkTo')).finally(() => (finished = true));
    const previewed = await waitFor('the nearest DRUG previewed in the note', () => editor.document.getText(editor.selection) === 'Lexapro' || undefined);
    assert.ok(previewed);
    for (let i = 0; i < 100 && !finished; i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 100));
    }
    const relation = await linking;
    assert.ok(relation, 'a relation was made');
    assert.deepEqual([relation.type, relation.from, relation.to], ['caused_by', 'ade', 'near']);
    assert.deepEqual(editor.selection.active, inAde, 'the preview gave the cursor back');
    await waitFor('the relation in the sidecar', async () => ((await relationsOnDisk(name)).some((r) => r.id === relation.id) ? true : undefined));

    const line = editor.document.positionAt(at('Lexapro')[0]).line + 1;
    const hover = await hoverText(uri, at('hypersomnia')[0] + 1);
    assert.match(hover, new RegExp(`caused by Lexapro\\]\\(command:sidelight\\.revealSpan[^)]*\\), line ${line}`));
    assert.match(await hoverText(uri, at('Lexapro')[0] + 1), /hypersomnia caused by this/);

    await vscode.commands.executeCommand('sidelight.undoLabel');
    await waitFor('undo to remove it from the sidecar', async () => ((await relationsOnDisk(name)).length === 0 ? true : undefined));
    await vscode.commands.executeCommand('sidelight.redoLabel');
    await waitFor('redo to bring it back', async () => ((await relationsOnDisk(name)).map((r) => r.id).join() === relation.id ? true : undefined));

    // Lines typed above both ends: the relation holds (it joins ids), the hover follows the new line.
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'ADDENDUM\n\n')));
    await editor.document.save();
    assert.match(await hoverText(uri, at('hypersomnia')[0] + 11), new RegExp(`caused by Lexapro.*, line ${line + 2}`));
    assert.deepEqual((await relationsOnDisk(name)).map((r) => [r.from, r.to]), [['ade', 'near']]);
  });

  test('Pre-annotate suggests caused_by links from the new ADE suggestions to their drugs; the hover accepts one, and it is saved accepted', async () => {
    const api = await sidelight();
    // Wording the model tags (checked with sidelight predict): two effects, each tied to a drug by its sentence.
    const text = 'HISTORY:\nShe was started on lisinopril last month. She developed angioedema secondary to lisinopril, which was stopped.\nAmoxicillin caused a rash.\n';
    const { name, uri } = await notes.create('relations-pre-annotate.txt', text);
    await vscode.window.showTextDocument(uri);
    const summary = await vscode.commands.executeCommand<{ added: number; links: number; message: string }>('sidelight.preAnnotateNote');
    assert.ok(summary && summary.links >= 2, `links suggested: ${summary?.message}`);
    assert.match(summary.message, new RegExp(`\\(and ${summary.links} caused_by links\\)`));
    const spans = await api.getAnnotations(uri);
    const angioedema = spans.find((s) => s.text === 'angioedema' && s.label === 'ADE');
    assert.ok(angioedema, `the ADE suggestion: ${spans.map((s) => `${s.label} ${s.text}`).join(', ')}`);
    const suggested = (await relationsOnDisk(name)).find((r) => r.from === angioedema.id);
    assert.ok(suggested, 'a link from the angioedema suggestion');
    assert.equal(suggested.status, 'suggested');
    const drug = spans.find((s) => s.id === suggested.to)!;
    assert.deepEqual([drug.label, drug.text, drug.start > angioedema.start], ['DRUG', 'lisinopril', true], 'the nearest drug of its sentence');
    const hover = await hoverText(uri, angioedema.start + 1);
    assert.match(hover, /caused by lisinopril.*suggested.*\[Accept\]\(command:sidelight\.reviewRelation/);
    assert.equal(await vscode.commands.executeCommand('sidelight.reviewRelation', { relation: suggested.id, status: 'accepted' }), 1);
    await waitFor('the link saved as accepted', async () => ((await relationsOnDisk(name)).find((r) => r.id === suggested.id)?.status === 'accepted' ? true : undefined));
  });

  test('"Set attribute…" absent strikes the ADE through and is saved; a value the schema lacks is refused; undo clears it', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'set-attribute');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [stored(text, 'ade', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' })]);
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('the label to load', async () => ((await api.getAnnotations(uri)).length === 1 ? true : undefined));
    const lookOf = () => api.testing.getDrawnSpans(uri).find((s) => s.start === at('hypersomnia')[0])?.look;
    await waitFor('the label drawn as a human label', () => lookOf() === 'human' || undefined);
    const inAde = editor.document.positionAt(at('hypersomnia')[0] + 1);
    editor.selection = new vscode.Selection(inAde, inAde);

    // The value as the pick's row would give it (the pick's rows are the schema's values).
    await vscode.commands.executeCommand('sidelight.setAttribute', { value: 'absent' });
    await waitFor('the ADE struck through', () => lookOf() === 'absent' || undefined);
    const attributes = async () => {
      const file = sidecarFile(name);
      return parseSidecar(await fs.readFile(file, 'utf8'), file).spans[0].attributes;
    };
    await waitFor('the attribute in the sidecar', async () => ((await attributes())?.assertion === 'absent' ? true : undefined));
    assert.match(await hoverText(uri, at('hypersomnia')[0] + 1), /assertion: \*\*absent\*\*/);

    assert.equal(await vscode.commands.executeCommand('sidelight.setAttribute', { value: 'maybe' }), undefined, 'refused');
    assert.equal((await attributes())?.assertion, 'absent', 'a refused value changes nothing');

    await vscode.commands.executeCommand('sidelight.undoLabel');
    await waitFor('undo to clear it', async () => ((await attributes()) === undefined ? true : undefined));
    await waitFor('the label drawn as before', () => lookOf() === 'human' || undefined);
  });

  test('a label the context rules read as negated is offered "absent" in its hover; Accept sets it, Reject records the default', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'suggest-assertion');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [
      stored(text, 'negated', 'ADE', at('homicidal ideations'), { source: 'human', status: 'accepted' }),
      stored(text, 'plain', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' }),
    ]);
    await vscode.window.showTextDocument(uri);
    await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
    const hover = await hoverText(uri, at('homicidal ideations')[0] + 1);
    const links = [...hover.matchAll(/\[(Accept|Reject)\]\(command:sidelight\.setAttribute\?([^)\s]*)\)/g)].map((m) => [m[1], (JSON.parse(decodeURIComponent(m[2])) as unknown[])[0]] as const);
    assert.match(hover, /suggested assertion: \*\*absent\*\* \(context rules\)/);
    assert.doesNotMatch(await hoverText(uri, at('hypersomnia')[0] + 1), /suggested assertion/, 'nothing to suggest where the rules find it present');
    const accept = links.find(([t]) => t === 'Accept')?.[1];
    assert.deepEqual(accept, { span: 'negated', name: 'assertion', value: 'absent' });
    await vscode.commands.executeCommand('sidelight.setAttribute', accept);
    const lookOf = () => api.testing.getDrawnSpans(uri).find((s) => s.start === at('homicidal ideations')[0])?.look;
    await waitFor('the accepted suggestion drawn struck through', () => lookOf() === 'absent' || undefined);
    assert.doesNotMatch(await hoverText(uri, at('homicidal ideations')[0] + 1), /suggested assertion/, 'decided: no longer suggested');
    // Reject (after undo): the default is recorded as the person's decision, and not suggested again.
    await vscode.commands.executeCommand('sidelight.undoLabel');
    await waitFor('undo', () => lookOf() === 'human' || undefined);
    await vscode.commands.executeCommand('sidelight.setAttribute', links.find(([t]) => t === 'Reject')?.[1]);
    await waitFor('the rejection saved', async () => {
      const file = sidecarFile(name);
      return parseSidecar(await fs.readFile(file, 'utf8'), file).spans.find((s) => s.id === 'negated')?.attributes?.assertion === 'present' || undefined;
    });
    assert.doesNotMatch(await hoverText(uri, at('homicidal ideations')[0] + 1), /suggested assertion/);
  });

  test('removing the DRUG keeps the relation, shown as dangling in the ADE\'s hover; undo brings the DRUG back into it', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'dangling');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [
      stored(text, 'ade', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' }),
      stored(text, 'drug', 'DRUG', at('Lexapro'), { source: 'human', status: 'accepted' }),
    ]);
    await vscode.window.showTextDocument(uri);
    await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
    // The other end given, as a hover link or a test passes it: no pick.
    const relation = await vscode.commands.executeCommand<AnnotationRelation | undefined>('sidelight.linkTo', { span: 'ade', to: 'drug' });
    assert.ok(relation, 'a relation was made');
    await waitFor('the relation in the sidecar', async () => ((await relationsOnDisk(name)).some((r) => r.id === relation.id) ? true : undefined));

    await vscode.commands.executeCommand('sidelight.removeLabel', { span: { id: 'drug' }, uri });
    await waitFor('the DRUG gone', async () => ((await api.getAnnotations(uri)).length === 1 ? true : undefined));
    await waitFor('the DRUG gone from the sidecar', async () => {
      const file = sidecarFile(name);
      return parseSidecar(await fs.readFile(file, 'utf8'), file).spans.length === 1 ? true : undefined;
    });
    assert.deepEqual((await relationsOnDisk(name)).map((r) => [r.id, r.from, r.to]), [[relation.id, 'ade', 'drug']], 'the relation is kept');
    assert.match(await hoverText(uri, at('hypersomnia')[0] + 1), /caused by a label that is no longer there/);

    await vscode.commands.executeCommand('sidelight.undoLabel');
    await waitFor('undo to bring the DRUG back', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
    assert.match(await hoverText(uri, at('hypersomnia')[0] + 1), /caused by Lexapro\]/);
  });

  test('a relation a sync kept in two versions is listed in "Show sync conflicts"; keeping one version ends the conflict on disk', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'relation-conflict');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [
      stored(text, 'ade', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' }),
      stored(text, 'near', 'DRUG', at('Lexapro'), { source: 'human', status: 'accepted' }),
    ]);
    // What a sync's merge leaves when both sides changed one relation: both versions, each naming the other.
    const file = sidecarFile(name);
    const sidecar = parseSidecar(await fs.readFile(file, 'utf8'), file);
    const t = '2026-12-05T00:00:00.000Z';
    const version = (id: string, other: string, status: 'accepted' | 'rejected', author: string): AnnotationRelation => ({ id, type: 'caused_by', from: 'ade', to: 'near', source: 'human', status, author, createdAt: t, updatedAt: t, conflict: other });
    await fs.writeFile(file, serializeSidecar({ ...sidecar, schemaVersion: 2, relations: [version('rel', 'rel~remote-1234abcd', 'accepted', 'ana'), version('rel~remote-1234abcd', 'rel', 'rejected', 'ben')] }));
    await vscode.window.showTextDocument(uri);
    await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
    // Accepts the first row (the local version), then "Keep this one".
    await runWithFirstLabel('sidelight.showConflicts');
    const left = await waitFor('one version left, not in conflict', async () => {
      const r = await relationsOnDisk(name);
      return r.length === 1 && r[0].conflict === undefined ? r : undefined;
    });
    assert.deepEqual([left[0].id, left[0].status], ['rel', 'accepted']);
  });

  test('Link to… and Set attribute… sent with typing in flight, no time between them: both land on the right labels, which stay on their words', async () => {
    const api = await sidelight();
    const { name, uri, text } = await notes.copy(SOURCE, 'relations-race');
    const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
    await writeSidecar(name, [
      stored(text, 'ade', 'ADE', at('hypersomnia'), { source: 'human', status: 'accepted' }),
      stored(text, 'near', 'DRUG', at('Lexapro'), { source: 'human', status: 'accepted' }),
    ]);
    const editor = await vscode.window.showTextDocument(uri);
    await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
    // Two cursors typing at the top and just before the ADE, while both commands are dispatched.
    const before = editor.document.positionAt(at('hypersomnia')[0]);
    const all = await Promise.all([
      editor.edit((e) => e.insert(new vscode.Position(0, 0), 'TYPED ')),
      vscode.commands.executeCommand('sidelight.linkTo', { span: 'ade', to: 'near' }),
      editor.edit((e) => {
        e.insert(new vscode.Position(0, 0), 'X');
        e.insert(before, 'Y');
      }),
      vscode.commands.executeCommand('sidelight.setAttribute', { span: 'ade', value: 'absent' }),
    ]);
    assert.ok(all[1], 'the link was made');
    await editor.document.save();
    const spans = await api.getAnnotations(uri);
    const doc = editor.document.getText();
    for (const [id, word] of [['ade', 'hypersomnia'], ['near', 'Lexapro']]) {
      const s = spans.find((x) => x.id === id)!;
      assert.equal(doc.slice(s.start, s.end), word, `${id} on its words`);
    }
    await waitFor('both in the sidecar', async () => {
      const file = sidecarFile(name);
      const saved = parseSidecar(await fs.readFile(file, 'utf8'), file);
      return saved.relations?.some((r) => r.from === 'ade' && r.to === 'near') && saved.spans.find((x) => x.id === 'ade')?.attributes?.assertion === 'absent' ? true : undefined;
    });
  });
});

