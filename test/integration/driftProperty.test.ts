import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withFileLock } from '../../src/core/fs/fileLock';
import { seededRandom } from '../../src/core/seededRandom';
import { makeQuote, parseSidecar, serializeSidecar, sha256, type AnnotationSpan, type Fragment, type Sidecar } from '../../src/core/annotations/sidecar';
import { closeAll, noteUri, runWithFirstLabel, sidelight, waitFor } from './api';
import { scratchNotes } from './scratchNotes';

/**
 * Property test: labels never drift, whatever the typing speed. Each seed opens its own copy of a real
 * note and runs random bursts of edits fired with no time between them (typing, multi-cursor typing,
 * paste, deletes, undo/redo, a formatter-like edit with many changes, saves in the middle of a burst),
 * interleaved with labelling, unlabelling, accepting a suggestion, a sidecar written by another process
 * and a sync. The edits only ever touch text outside the labels (they insert at line starts and delete
 * what they inserted), so every label must keep exactly the words it was given: after every checkpoint
 * (all edits arrived, the note saved), the sidecar on disk and the editor's labels are compared with them.
 * Run with auto-save off, and on (`afterDelay`, short) so that the editor's own saves land mid-burst.
 */

const SOURCE_NOTE = 'soap-chart-progress-notes--refractory-hypertension-followup-1312.txt';
const SEEDS = Number(process.env.SIDELIGHT_DRIFT_SEEDS ?? 6);
const ROUNDS = 6;

interface Expected {
  /** The words the label was given; undefined once removed. */
  text: string;
  removed?: boolean;
}

function sidecarPath(rel: string): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.sidelight', 'annotations', ...rel.split('/')) + '.json';
}

async function readSidecarFile(rel: string): Promise<Sidecar | undefined> {
  try {
    return parseSidecar(await fs.readFile(sidecarPath(rel), 'utf8'), sidecarPath(rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whole words of 5+ letters, with their offsets, that no label covers yet. */
function freeWords(text: string, taken: readonly Fragment[]): Fragment[] {
  const out: Fragment[] = [];
  for (const m of text.matchAll(/[A-Za-z]{5,}/g)) {
    const f: Fragment = [m.index!, m.index! + m[0].length];
    if (!taken.some(([a, b]) => f[0] < b + 1 && a < f[1] + 1)) out.push(f);
  }
  return out;
}

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

/** Offsets where a line starts, skipping the first `skip` characters (edits stay clear of nothing else). */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0 && i + 1 < text.length; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** The workspace's auto-save settings, to set for a test and put back after it. */
const AUTO_SAVE = ['autoSave', 'autoSaveDelay'] as const;

async function setAutoSave(values: readonly unknown[]): Promise<void> {
  const files = vscode.workspace.getConfiguration('files');
  for (const [i, key] of AUTO_SAVE.entries()) await files.update(key, values[i], vscode.ConfigurationTarget.Workspace);
}

suite('labels never drift under edits with no time between them (property test)', function () {
  this.timeout(10 * 60_000);
  teardown(closeAll);
  let settingsBefore: unknown[] = [];
  setup(() => {
    const files = vscode.workspace.getConfiguration('files');
    settingsBefore = AUTO_SAVE.map((key) => files.inspect(key)?.workspaceValue);
  });
  teardown(() => setAutoSave(settingsBefore));
  // Each seed's note syncs now and then: the sync after their deletion takes them off the remote too.
  const notes = scratchNotes({ syncAfterDelete: true });

  for (const autoSave of [false, true]) {
    test(`${SEEDS} seeds, ${ROUNDS} rounds each, auto-save ${autoSave ? 'on (30 ms)' : 'off'}`, async () => {
      await setAutoSave(autoSave ? ['afterDelay', 30] : ['off', undefined]);
      const api = await sidelight();
      const original = await fs.readFile(noteUri(SOURCE_NOTE).fsPath, 'utf8');
      notes.track(noteUri('drift'));
      for (let seed = 1; seed <= SEEDS; seed++) {
        const rnd = seededRandom(seed * 7919 + (autoSave ? 1 : 0)); // a failing seed replays
        const { uri, name } = await notes.create(`drift/${autoSave ? 'auto' : 'manual'}-${seed}.txt`, original);
        const rel = `notes/${name}`;
        const file = uri.fsPath;
        const expected = new Map<string, Expected>();

        // A pending suggestion (as Pre-annotate leaves them), to accept later.
        const [sa, sb] = freeWords(original, [])[3];
        const now = new Date().toISOString();
        const suggestion: AnnotationSpan = {
          id: `suggested-${seed}`, label: 'DRUG', fragments: [[sa, sb]], quote: makeQuote(original, [[sa, sb]]), source: 'model:test-model@1', status: 'suggested',
          flags: [], author: 'pre-annotate', createdAt: now, updatedAt: now, score: 0.9,
        };
        await fs.mkdir(path.dirname(sidecarPath(rel)), { recursive: true });
        await fs.writeFile(sidecarPath(rel), serializeSidecar({ schemaVersion: 1, note: rel, noteSha256: sha256(original), done: false, spans: [suggestion] }));
        expected.set(suggestion.id, { text: original.slice(sa, sb) });

        const editor = await vscode.window.showTextDocument(uri);
        const doc = editor.document;
        await waitFor('the suggestion to load', async () => ((await api.getAnnotations(uri)).some((s) => s.id === suggestion.id) ? true : undefined));
        const context = () => `seed ${seed}, auto-save ${autoSave}`;

        for (let round = 0; round < ROUNDS; round++) {
          const inFlight: Thenable<unknown>[] = [];
          const fire = (p: Thenable<unknown>) => inFlight.push(p);
          // The API gives start/end (fragments only for discontinuous labels): one shape for both checks.
          const spansNow = async () => (await api.getAnnotations(uri)).map((s) => ({ ...s, fragments: s.fragments ?? [[s.start, s.end] as Fragment] }));
          const steps = 3 + Math.floor(rnd() * 4);
          for (let step = 0; step < steps; step++) {
            const kind = pick(rnd, ['type', 'type', 'multi', 'paste', 'format', 'undo', 'save', 'label', 'unlabel', 'accept', 'external', 'sync'] as const);
            const text = doc.getText();
            const starts = lineStarts(text);
            switch (kind) {
              case 'type':
              case 'paste': {
                // Typed at a line start, then (sometimes) some of it deleted again: never inside a label.
                const at = doc.positionAt(pick(rnd, starts));
                editor.selection = new vscode.Selection(at, at);
                const typed = kind === 'paste' ? 'pasted line one\npasted line two\n' : 'XYZ '.slice(0, 1 + Math.floor(rnd() * 4));
                if (kind === 'paste') fire(vscode.commands.executeCommand('type', { text: typed }));
                else for (const ch of typed) fire(vscode.commands.executeCommand('type', { text: ch }));
                const deletes = Math.floor(rnd() * (typed.length + 1));
                for (let i = 0; i < deletes; i++) fire(vscode.commands.executeCommand('deleteLeft'));
                break;
              }
              case 'multi': {
                const cursors = [...new Set(Array.from({ length: 3 }, () => pick(rnd, starts)))].map((o) => doc.positionAt(o));
                editor.selections = cursors.map((p) => new vscode.Selection(p, p));
                for (const ch of 'ab ') fire(vscode.commands.executeCommand('type', { text: ch }));
                break;
              }
              case 'format': {
                // A formatter-like edit: many small changes at once (indenting some lines).
                const edit = new vscode.WorkspaceEdit();
                for (const o of [...new Set(Array.from({ length: 6 }, () => pick(rnd, starts)))]) edit.insert(uri, doc.positionAt(o), '  ');
                fire(vscode.workspace.applyEdit(edit));
                break;
              }
              case 'undo':
                // Undo and redo only the text edits of this test (labelling is not on VS Code's undo stack).
                for (let i = 0; i < 2; i++) fire(vscode.commands.executeCommand('undo'));
                for (let i = 0; i < 2; i++) fire(vscode.commands.executeCommand('redo'));
                break;
              case 'save':
                fire(doc.save());
                break;
              case 'label': {
                await Promise.all(inFlight.splice(0));
                const spans = await spansNow();
                const free = freeWords(doc.getText(), spans.flatMap((s) => s.fragments));
                if (!free.length) break;
                const [a, b] = pick(rnd, free);
                const word = doc.getText().slice(a, b);
                editor.selection = new vscode.Selection(doc.positionAt(a), doc.positionAt(b));
                await runWithFirstLabel('sidelight.labelSelection');
                const made = (await spansNow()).find((s) => s.fragments[0][0] === a && s.fragments[0][1] === b && !expected.has(s.id));
                assert.ok(made, `${context()}: "${word}" was labelled`);
                expected.set(made.id, { text: word });
                // At once, no pause: the keys the issue saw drift the label.
                const top = doc.positionAt(0);
                editor.selection = new vscode.Selection(top, top);
                for (const ch of 'XYZ ') fire(vscode.commands.executeCommand('type', { text: ch }));
                break;
              }
              case 'unlabel': {
                // Of the labels the editor has (one another process just wrote may not have reached it).
                await Promise.all(inFlight.splice(0));
                const shown = new Set((await spansNow()).map((s) => s.id));
                const live = [...expected].filter(([id, e]) => !e.removed && shown.has(id));
                if (!live.length) break;
                const [id, e] = pick(rnd, live);
                fire(vscode.commands.executeCommand('sidelight.removeLabel', id));
                e.removed = true;
                break;
              }
              case 'accept':
                fire(vscode.commands.executeCommand('sidelight.acceptPrediction', suggestion.id));
                break;
              case 'external': {
                // Another process (a sync or `sidelight import` in a terminal) adds a label to the sidecar,
                // anchored to the note as it is on disk, and replaces the file atomically.
                const writeExternal = () => withFileLock(sidecarPath(rel), async () => {
                  const disk = await fs.readFile(file, 'utf8');
                  const current = (await readSidecarFile(rel)) ?? { schemaVersion: 1 as const, note: rel, noteSha256: sha256(disk), done: false, spans: [] };
                  if (current.noteSha256 !== sha256(disk)) return; // the editor has not written this version yet
                  const free = freeWords(disk, current.spans.flatMap((s) => s.fragments));
                  if (!free.length) return;
                  const f = pick(rnd, free);
                  const id = `external-${seed}-${round}-${step}`;
                  const span: AnnotationSpan = { ...suggestion, id, label: 'ADE', fragments: [f], quote: makeQuote(disk, [f]), source: 'import', status: 'accepted', author: 'teammate' };
                  const tmp = `${sidecarPath(rel)}.${id}.tmp`;
                  await fs.writeFile(tmp, serializeSidecar({ ...current, spans: [...current.spans, span] }));
                  await fs.rename(tmp, sidecarPath(rel));
                  expected.set(id, { text: disk.slice(f[0], f[1]) });
                });
                fire(writeExternal());
                break;
              }
              case 'sync':
                fire(vscode.commands.executeCommand('sidelight.sync'));
                break;
            }
          }
          // Checkpoint: everything arrived, the note saved; then the labels on disk and in the editor must
          // cover exactly the words they were given.
          await Promise.all(inFlight);
          await doc.save();
          const diskText = () => fs.readFile(file, 'utf8');
          // Written for the saved note, and holding the same labels as the editor (a label action's write
          // comes a moment after it, and a label another process wrote reaches the editor a moment later).
          const ids = (spans: readonly { id: string }[]) => spans.map((x) => x.id).sort().join();
          let seen = '';
          const sidecar = await waitFor(`${context()}, round ${round}: the sidecar written for the saved note, with the editor's labels`, async () => {
            const [t, s] = [await diskText(), await readSidecarFile(rel)];
            const settled = !doc.isDirty && s && s.noteSha256 === sha256(t) && t === doc.getText();
            seen = `dirty ${doc.isDirty}, sidecar for the note on disk ${s?.noteSha256 === sha256(t)}, disk = editor ${t === doc.getText()}; on disk [${s ? ids(s.spans) : ''}], editor [${ids(await spansNow())}]`;
            return settled && ids(s.spans) === ids(await spansNow()) ? s : undefined;
          }).catch((e: Error) => {
            throw new Error(`${e.message}: ${seen}`);
          });
          const saved = await diskText();
          const problems: string[] = [];
          const check = (where: string, mayLag: boolean, spans: readonly { id: string; fragments: Fragment[]; flags: readonly string[] }[], text: string) => {
            for (const [id, e] of expected) {
              const span = spans.find((s) => s.id === id);
              if (e.removed) {
                if (span) problems.push(`${where}: removed label ${id} is back`);
                continue;
              }
              if (!span) {
                // A label another process wrote may still be on its way into the editor's copy (not to disk).
                if (!(mayLag && id.startsWith('external-'))) problems.push(`${where}: label ${id} ("${e.text}") is missing`);
                continue;
              }
              const covered = span.fragments.map(([a, b]) => text.slice(a, b)).join(' ');
              if (span.flags.includes('orphan') || covered !== e.text) problems.push(`${where}: label ${id} covers "${covered}" [${span.fragments.join(' ')}] (flags ${span.flags.join(',') || 'none'}), not "${e.text}"`);
            }
          };
          check('sidecar on disk', false, sidecar.spans, saved);
          for (const s of sidecar.spans) {
            if (!s.flags.includes('orphan') && s.quote.text !== makeQuote(saved, s.fragments).text) problems.push(`sidecar on disk: quote of ${s.id} is "${s.quote.text}", the note has "${makeQuote(saved, s.fragments).text}"`);
          }
          check('editor', true, await spansNow(), doc.getText());
          assert.deepEqual(problems, [], `${context()}, round ${round}`);
        }
        await closeAll();
      }
    });
  }
});
