import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseSidecar, sha256 } from '../../src/core/annotations/sidecar';
import { closeAll, sidecarFile, sidelight, stored, waitFor, writeSidecar } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * Another program (sed, git checkout, a script) rewrites a note: a label whose own words were replaced
 * must not silently cover the new words ("depression" → "anxiety" labelled as the old ADE); it becomes an
 * orphan that keeps what was labelled. Labels whose words are intact stay on them. Open or closed note.
 */

const SOURCE = 'orthopedic--orthopedic-consult-4-2090.txt';

/** Two words of the note, each once, far apart: the first is rewritten, the second must stay labelled. */
function twoWords(text: string): [string, string] {
  const words = [...new Set(text.match(/\b[A-Za-z]{7,}\b/g) ?? [])].filter((w) => text.indexOf(w) === text.lastIndexOf(w));
  assert.ok(words.length >= 2);
  return [words[0], words[words.length - 1]];
}

suite('labelling: notes rewritten by another program', () => {
  teardown(closeAll);
  const notes = scratchNotes();

  /**
   * `how` rewrites the note: in one write (as `sed -i` does), or as a program that truncates the file and
   * writes it a moment later (as `fs.writeFile` and shell redirection do), which VS Code may show in between
   * as an empty note: every label is lost then, and must come back on its words when the text does.
   */
  const cases: { open: boolean; how: 'one write' | 'truncated, then written' }[] = [
    { open: true, how: 'one write' },
    { open: false, how: 'one write' },
    { open: true, how: 'truncated, then written' },
  ];
  for (const { open, how } of cases) {
    test(`a label whose words another program replaced becomes an orphan; the others stay on their words (note ${open ? 'open' : 'closed'}, ${how})`, async () => {
      const api = await sidelight();
      const { name, uri, text } = await notes.copy(SOURCE, `outside-edit-${open ? 'open' : 'closed'}${how === 'one write' ? '' : '-truncated'}`);
      const [gone, kept] = twoWords(text);
      const at = (w: string): [number, number] => [text.indexOf(w), text.indexOf(w) + w.length];
      await writeSidecar(name, [
        stored(text, 'rewritten', 'ADE', at(gone), { source: 'human', status: 'accepted' }),
        stored(text, 'intact', 'DRUG', at(kept), { source: 'human', status: 'accepted' }),
      ]);
      const doc = open ? (await vscode.window.showTextDocument(uri)).document : undefined;
      if (doc) await waitFor('the labels to load', async () => ((await api.getAnnotations(uri)).length === 2 ? true : undefined));
      // As `sed -i 's/<gone>/Replacement/'` does.
      const changed = text.replace(gone, 'Replacement');
      if (how === 'truncated, then written') {
        await fs.writeFile(uri.fsPath, '');
        await waitFor('the editor to show the emptied note, its labels lost', async () =>
          doc!.getText() === '' && (await api.getAnnotations(uri)).every((s) => s.flags.includes('orphan')) ? true : undefined);
      }
      await fs.writeFile(uri.fsPath, changed);
      if (!open) await vscode.window.showTextDocument(uri);
      // The editor may show the file in steps: what is asserted is the note as it ends, in the editor too.
      const spans = await waitFor('the labels to be found again in the rewritten note', async () => {
        if (doc && doc.getText() !== changed) return undefined;
        const s = await api.getAnnotations(uri);
        return s.find((x) => x.id === 'rewritten')?.flags.includes('orphan') && !s.find((x) => x.id === 'intact')?.flags.includes('orphan') ? s : undefined;
      });
      const rewritten = spans.find((s) => s.id === 'rewritten')!;
      assert.equal(rewritten.text, gone, 'the orphan keeps the words that were labelled');
      const intact = spans.find((s) => s.id === 'intact')!;
      assert.equal(changed.slice(intact.start, intact.end), kept);
      assert.deepEqual(intact.flags, []);
      const onDisk = await waitFor('the sidecar anchored to the rewritten note', async () => {
        const s = parseSidecar(await fs.readFile(sidecarFile(name), 'utf8'), sidecarFile(name));
        return s.noteSha256 === sha256(changed) ? s : undefined;
      });
      assert.ok(onDisk.spans.find((s) => s.id === 'rewritten')!.flags.includes('orphan'));
      const intactOnDisk = onDisk.spans.find((s) => s.id === 'intact')!;
      assert.deepEqual([intactOnDisk.fragments, intactOnDisk.flags], [[at(kept).map((x) => x + changed.length - text.length)], []]);
      assert.equal(path.basename(uri.fsPath), name);
    });
  }
});
