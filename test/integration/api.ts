import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AnnotationSpan, Fragment, makeQuote, serializeSidecar, sha256, Sidecar } from '../../src/core/annotations/sidecar';
import type { SidelightApi } from '../../src/vscode/sidelightExtension';

/** The extension's public API, activating it if needed. */
export async function sidelight(): Promise<SidelightApi> {
  const ext = vscode.extensions.getExtension<SidelightApi>('sidelight.sidelight');
  if (!ext) throw new Error('the extension under test is not installed');
  return ext.activate();
}

export function noteUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders![0];
  return vscode.Uri.joinPath(folder.uri, 'notes', name);
}

/** Resolves when `uri`'s highlights are redrawn and `until` holds (or rejects after `ms`). */
export function highlightsUpdated(api: SidelightApi, uri: vscode.Uri, until: () => boolean = () => true, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no highlight update of ${uri.fsPath} within ${ms} ms`));
    }, ms);
    const sub = api.onDidUpdateHighlights((u) => {
      if (u.toString() === uri.toString() && until()) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Runs a command that shows the label quick pick and accepts its first row (the last label used, else the
 * first); any other quick pick it shows is answered the same way. The pick appears when the host gets to
 * it: keep accepting until the command has finished, so a slow machine cannot leave the pick open and the
 * test hanging.
 */
export function runWithFirstLabel<T = unknown>(command: string, ...args: unknown[]): Promise<T | undefined> {
  return runAnsweringPicks<T>('workbench.action.acceptSelectedQuickOpenItem', command, args);
}

/** Runs a command and dismisses (Escape) every quick pick it shows, until it has finished. */
export function runDismissingPicks<T = unknown>(command: string, ...args: unknown[]): Promise<T | undefined> {
  return runAnsweringPicks<T>('workbench.action.closeQuickOpen', command, args);
}

async function runAnsweringPicks<T>(answer: string, command: string, args: unknown[]): Promise<T | undefined> {
  let finished = false;
  const done = Promise.resolve(vscode.commands.executeCommand<T | undefined>(command, ...args)).finally(() => (finished = true));
  for (let i = 0; i < 200 && !finished; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!finished) await vscode.commands.executeCommand(answer);
  }
  return done;
}

/** Polls `probe` every 50 ms until it gives a value (not undefined or false); fails naming `what` after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The source of the suggestions the tests write, as Pre-annotate would with a model "test-model@1". */
export const TEST_MODEL = 'model:test-model@1';

/** Where a note of the test workspace's `notes/` keeps its labels. */
export function sidecarFile(name: string): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.sidelight', 'annotations', 'notes', `${name}.json`);
}

/** Every occurrence of `word` in `text` (substrings too), as fragments. */
export function occurrences(text: string, word: string): Fragment[] {
  const out: Fragment[] = [];
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + word.length)) out.push([at, at + word.length]);
  return out;
}

/** A stored span; by default a pending suggestion of TEST_MODEL. */
export function stored(text: string, id: string, label: string, f: Fragment, extra: Partial<AnnotationSpan> = {}): AnnotationSpan {
  const t = '2026-11-26T00:00:00.000Z';
  return { id, label, fragments: [f], quote: makeQuote(text, [f]), source: TEST_MODEL, status: 'suggested', flags: [], author: 'pre-annotate', createdAt: t, updatedAt: t, score: 0.9, ...extra };
}

/** Writes a note's sidecar as Pre-annotate (or an earlier session) would have left it; returns the note's text. */
export async function writeSidecar(name: string, spans: AnnotationSpan[], done = false): Promise<string> {
  const text = await fs.readFile(noteUri(name).fsPath, 'utf8');
  const sidecar: Sidecar = { schemaVersion: 1, note: `notes/${name}`, noteSha256: sha256(text), done, spans };
  await fs.mkdir(path.dirname(sidecarFile(name)), { recursive: true });
  await fs.writeFile(sidecarFile(name), serializeSidecar(sidecar));
  return text;
}
