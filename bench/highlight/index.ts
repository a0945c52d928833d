/**
 * `npm run bench:highlight` (issue 5, item 9), run INSIDE the real extension host by
 * bench/runExtensionBench.ts: this module is the `extensionTestsPath`, so it shares the host process and
 * its event loop with the extension. Not a test: it writes samples to $SIDELIGHT_BENCH_OUT and asserts no
 * goal; the runner turns them into the table and bench/results/highlight.json.
 *
 * Two phases, chosen by $SIDELIGHT_BENCH_PHASE:
 *  - `activation`, in a fresh host whose workspace had `.sidelight` hidden at startup so that nothing
 *    activated the extension before us (workspaceContains). We time the code load (requiring the bundle)
 *    and then `ext.activate()`, and wrap the bundle's `activate` export so the `activate()` call itself
 *    is timed exactly as VS Code makes it. One sample per host: the runner starts several hosts.
 *  - `main`: time from the idle timer firing to the decorations set (the controller's `lastRunMs`, read
 *    through `api.testing.getHighlightTiming`) for ~5k and ~100k-character notes, side by side with the bare model
 *    time of equivalent text through `api.getPredictions` (the lower bound); and the event-loop blocks
 *    while typing 200 characters into the 100k note, against typing into the same text in a non-note.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { SidelightApi } from '../../src/vscode/sidelightExtension';
import { closeAll, highlightsUpdated } from '../../test/integration/api';
import { add, type BenchOutput, runPhase } from '../hostBenchOutput';

/** What the runner reads back: raw samples per metric (ms) and facts about the run. */

const EXTENSION_ID = 'sidelight.sidelight';
/** The folder name the runner gives `.sidelight` so that the workspace does not activate us at startup. */
const HIDDEN_SIDELIGHT = '.sidelight-bench-hidden';
const REPS = Number(process.env.SIDELIGHT_BENCH_REPS ?? 7);
const TYPING_REPS = Number(process.env.SIDELIGHT_BENCH_TYPING_REPS ?? 5);
const TYPED_CHARS = 200;
/** Between keystrokes: a fast typist (~30 characters a second including the edit's own round trip). */
const KEY_GAP_MS = 20;
/** Every 50 characters a pause longer than the idle delay (300 ms), so the model also runs mid-typing. */
const PAUSE_EVERY = 50;
const PAUSE_MS = 450;
const ELD_RESOLUTION_MS = 10;
const DRIFT_INTERVAL_MS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const phase = process.env.SIDELIGHT_BENCH_PHASE ?? 'main';
  await runPhase({ phase, samples: {}, info: {} }, phase === 'activation' ? activationPhase : mainPhase);
}


function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the bench needs the demo workspace open');
  return f;
}

// ---- (a) activation ----------------------------------------------------------------------------

async function activationPhase(out: BenchOutput): Promise<void> {
  const ext = vscode.extensions.getExtension<SidelightApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  out.info.activeBeforeBench = ext.isActive;
  out.info.openDocuments = vscode.workspace.textDocuments.map((d) => `${d.languageId} ${d.uri.toString()}`);
  // Rarely something in the workbench activates us before the bench runs: such a host has nothing to
  // measure, and the runner starts another one (and counts the discarded hosts).
  if (ext.isActive) return;
  // Put `.sidelight` back before activating, so activation sees the workspace a user has.
  const root = folder().uri.fsPath;
  await fs.rename(path.join(root, HIDDEN_SIDELIGHT), path.join(root, '.sidelight'));

  // Code load: the very `require` VS Code does (its extension host uses Node's CommonJS loader, so the
  // module cache is shared and `ext.activate()` below finds the bundle already loaded).
  const bundle = path.join(ext.extensionPath, String(ext.packageJSON.main));
  const load = createRequire(__filename);
  const t0 = performance.now();
  const mod = load(bundle) as { activate(ctx: vscode.ExtensionContext): SidelightApi; deactivate?(): void };
  add(out, 'activation.codeLoad', performance.now() - t0);

  // The `activate()` call itself: VS Code calls `module.activate(context)` on what `require` returned,
  // so a wrapper put in the module cache is what it calls. esbuild's exports are getters that cannot be
  // reassigned, hence a new exports object rather than patching the old one.
  const resolved = load.resolve(bundle);
  const cached = load.cache[resolved];
  if (!cached) throw new Error(`${bundle} is not in the module cache after require`);
  let callMs: number | undefined;
  cached.exports = {
    ...mod,
    activate(ctx: vscode.ExtensionContext): SidelightApi {
      const s = performance.now();
      try {
        return mod.activate(ctx);
      } finally {
        callMs = performance.now() - s;
      }
    },
  };
  const t1 = performance.now();
  const api = await ext.activate();
  add(out, 'activation.extActivate', performance.now() - t1);
  if (callMs === undefined) throw new Error('VS Code did not call the wrapped activate(): the module was loaded another way');
  add(out, 'activation.activateCall', callMs);
  out.info.version = api.version;
  out.info.bundle = path.relative(ext.extensionPath, bundle);
  // Whatever the last build left in dist/: `npm run build` (readable) or `build:prod` (minified).
  out.info.bundleBytes = (await fs.stat(bundle)).size;
}

// ---- (b) idle timer → decorations, and (c) event-loop blocks while typing -----------------------------

async function mainPhase(out: BenchOutput): Promise<void> {
  const ext = vscode.extensions.getExtension<SidelightApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  const root = folder().uri;
  const notesDir = path.join(root.fsPath, 'notes');
  const names = (await fs.readdir(notesDir)).filter((n) => n.endsWith('.txt')).sort();
  // The demo notes joined as paragraphs: real clinical text, LF line ends.
  const corpus = (await Promise.all(names.map((n) => fs.readFile(path.join(notesDir, n), 'utf8')))).map((t) => t.replace(/\r\n/g, '\n').trim()).join('\n\n');
  out.info.idleDelayMs = vscode.workspace.getConfiguration('sidelight', root).get('highlights.idleDelay');
  out.info.reps = REPS;

  // Warm-up: the first note loads the model in its worker; that run is reported apart, not in the medians.
  const warm = vscode.Uri.joinPath(root, 'notes', names[0]);
  const first = await controllerColdRun(api, warm);
  add(out, 'firstNote.withModelLoad', first.timerMs);
  add(out, 'firstNote.open', first.openMs);

  const sizes = [
    { key: '5k', chars: 5_000, tagBase: 0 },
    { key: '100k', chars: 100_000, tagBase: 3 * REPS + 2 },
  ];
  // Every file is written before any timing, so file watchers are quiet while we measure.
  const files = new Map<string, vscode.Uri>();
  const write = async (name: string, text: string) => {
    const uri = vscode.Uri.joinPath(root, 'notes', name);
    await fs.writeFile(uri.fsPath, text);
    files.set(name, uri);
  };
  for (const s of sizes) {
    // Tags 1..REPS: controller runs; REPS+1..2*REPS: API runs; 2*REPS+1: the note edited below;
    // 2*REPS+2..3*REPS+1: controller runs in an editor already open.
    // The API runs' copies are `.log`, not notes: the controller predicts a note as soon as it is opened
    // (predictAhead), which would make the lower bound a cache hit.
    for (let t = 1; t <= 3 * REPS + 1; t++) await write(`bench-${s.key}-${t}.${apiTag(t) ? 'log' : 'txt'}`, noteOf(corpus, s.chars, s.tagBase + t));
    out.info[`chars.${s.key}`] = noteOf(corpus, s.chars, s.tagBase + 1).length;
  }
  // The same 100k text as a non-note (`sidelight.include` is **/*.txt): the baseline for typing.
  await write('bench-100k-baseline.log', noteOf(corpus, 100_000, 63));
  await sleep(1000);

  for (const s of sizes) {
    // Full note, every chunk new to the model (first open, or a model change). Controller and API runs
    // alternate so that the machine's noise falls on both alike.
    for (let r = 1; r <= REPS; r++) {
      const cold = await controllerColdRun(api, files.get(`bench-${s.key}-${r}.txt`)!);
      add(out, `${s.key}.full.controller`, cold.timerMs);
      add(out, `${s.key}.full.open`, cold.openMs);
      add(out, `${s.key}.full.api`, await apiColdRun(api, files.get(`bench-${s.key}-${REPS + r}.log`)!));
      add(out, `${s.key}.full.controllerOpenEditor`, await controllerToggledRun(api, files.get(`bench-${s.key}-${2 * REPS + 1 + r}.txt`)!));
    }
    // After an edit: only the chunk the edit fell in goes to the model (the everyday case while typing).
    const uri = files.get(`bench-${s.key}-${2 * REPS + 1}.txt`)!;
    await closeAll();
    const drawn = highlightsUpdated(api, uri, () => true, 300_000);
    const editor = await vscode.window.showTextDocument(uri, { preview: false });
    await drawn;
    out.info[`spans.${s.key}`] = api.testing.getDisplayedPredictions(uri).length;
    for (let r = 0; r < REPS; r++) {
      const a = await editAndWait(api, editor, wordAt(editor, 0.5, r), ' aspirin');
      add(out, `${s.key}.edit.controller`, a.controllerMs);
      const b = await editAndWait(api, editor, wordAt(editor, 0.5, r + 100), ' ibuprofen', true);
      add(out, `${s.key}.edit.api`, b.apiMs!);
      // The controller ran after the API had predicted the same text: its model call was a cache hit, so
      // this run is the editor's own overhead (getText, chunk hashing, decoration ranges, setDecorations).
      add(out, `${s.key}.edit.controllerCacheHit`, b.controllerMs);
    }
    await revertAndClose(editor);
  }

  // (c) Typing 200 characters into the 100k note, against typing into the same text as a non-note.
  const note = files.get(`bench-100k-${2 * REPS + 1}.txt`)!;
  const baseline = files.get('bench-100k-baseline.log')!;
  for (let r = 0; r < TYPING_REPS; r++) {
    const n = await typingRun(api, note, true);
    add(out, 'typing.note.eldMax', n.eldMax);
    add(out, 'typing.note.eldP99', n.eldP99);
    add(out, 'typing.note.driftMax', n.driftMax);
    add(out, 'typing.note.busyMax', n.busyMax);
    add(out, 'typing.note.keystroke', n.keystrokeMedian);
    const b = await typingRun(api, baseline, false);
    add(out, 'typing.baseline.eldMax', b.eldMax);
    add(out, 'typing.baseline.eldP99', b.eldP99);
    add(out, 'typing.baseline.driftMax', b.driftMax);
    add(out, 'typing.baseline.busyMax', b.busyMax);
    add(out, 'typing.baseline.keystroke', b.keystrokeMedian);
  }
  await closeAll();
  for (const uri of files.values()) await fs.rm(uri.fsPath, { force: true });
}

/** Tags REPS+1..2*REPS are the API runs' texts (see the loop that writes them). */
function apiTag(t: number): boolean {
  return t > REPS && t <= 2 * REPS;
}

/**
 * `chars` characters of the corpus (repeated as needed, cut at a line end), each paragraph's first line
 * ending in a 6-character space/tab code of `tag`. The code changes no token, so the model sees the same
 * text, but every chunk (they start at paragraphs) hashes differently: no run finds another's cache.
 */
function noteOf(corpus: string, chars: number, tag: number): string {
  const code = [...tag.toString(2).padStart(6, '0')].map((b) => (b === '1' ? '\t' : ' ')).join('');
  let text = corpus;
  while (text.length < chars + 10_000) text += `\n\n${corpus}`;
  text = text.replace(/(^|\n[ \t]*\n)([^\n]+)/g, (_m, sep: string, line: string) => `${sep}${line}${code}`);
  const cut = text.lastIndexOf('\n', chars);
  return `${text.slice(0, cut)}\n`;
}

/**
 * Opens a note never predicted before (alone on screen) and returns the controller's `lastRunMs`, and the
 * time from asking VS Code to show the note to its highlights set (what a user waits for, painting aside).
 */
async function controllerColdRun(api: SidelightApi, uri: vscode.Uri): Promise<{ timerMs: number; openMs: number }> {
  await closeAll();
  const drawn = highlightsUpdated(api, uri, () => true, 300_000);
  const t0 = performance.now();
  await vscode.window.showTextDocument(uri, { preview: false });
  await drawn;
  const openMs = performance.now() - t0;
  return { timerMs: timingOf(api, uri), openMs };
}

/**
 * The same full-note run, but in an editor that is already open and settled: the note is shown with
 * highlights off, then they are turned on, which starts the run at once. Apart from the run on first open,
 * this one does not share the host and the page with the work of opening an editor.
 */
async function controllerToggledRun(api: SidelightApi, uri: vscode.Uri): Promise<number> {
  await closeAll();
  const config = vscode.workspace.getConfiguration('sidelight');
  await config.update('highlights.enabled', false, vscode.ConfigurationTarget.Global);
  try {
    await vscode.window.showTextDocument(uri, { preview: false });
    await sleep(1000);
    const drawn = highlightsUpdated(api, uri, () => true, 300_000);
    await config.update('highlights.enabled', true, vscode.ConfigurationTarget.Global);
    await drawn;
  } finally {
    await config.update('highlights.enabled', undefined, vscode.ConfigurationTarget.Global);
  }
  return timingOf(api, uri);
}

function timingOf(api: SidelightApi, uri: vscode.Uri): number {
  const ms = api.testing.getHighlightTiming(uri);
  if (ms === undefined) throw new Error(`no highlight timing for ${uri.fsPath}: the run was skipped or had no model`);
  return ms;
}

/** The bare model time (worker round trip included) of a note never predicted before, through the API. */
async function apiColdRun(api: SidelightApi, uri: vscode.Uri): Promise<number> {
  // Loaded but not shown, so the controller does not predict it; the pause lets the open's own work
  // (the annotation store reading the note) finish before the clock starts.
  await vscode.workspace.openTextDocument(uri);
  await sleep(200);
  const t0 = performance.now();
  await api.getPredictions(uri);
  return performance.now() - t0;
}

/** A position inside a word at about `fraction` of the note, moved by `salt` so edits spread out. */
function wordAt(editor: vscode.TextEditor, fraction: number, salt: number): vscode.Position {
  const text = editor.document.getText();
  const from = Math.floor(text.length * fraction + ((salt * 211) % Math.floor(text.length * 0.2)) - text.length * 0.1);
  const at = text.indexOf(' ', Math.max(0, from));
  return editor.document.positionAt(at < 0 ? from : at);
}

/**
 * Inserts `word` and waits for the controller's redraw. With `viaApi`, the same text is predicted at once
 * through `getPredictions` (timed) before the idle timer fires, which makes the controller's run that
 * follows a cache hit.
 */
async function editAndWait(api: SidelightApi, editor: vscode.TextEditor, at: vscode.Position, word: string, viaApi = false): Promise<{ controllerMs: number; apiMs?: number }> {
  const uri = editor.document.uri;
  const drawn = highlightsUpdated(api, uri, () => true, 300_000);
  if (!(await editor.edit((e) => e.insert(at, word)))) throw new Error('the edit was not applied');
  let apiMs: number | undefined;
  if (viaApi) {
    const t0 = performance.now();
    await api.getPredictions(uri);
    apiMs = performance.now() - t0;
  }
  await drawn;
  return { controllerMs: timingOf(api, uri), apiMs };
}

/**
 * Types TYPED_CHARS characters one `editor.edit` at a time near the top of the note (so every span after
 * them shifts on each keystroke), while two probes watch the host's event loop: Node's
 * `monitorEventLoopDelay` and a setInterval drift probe. Blocks are reported net of the probe's interval.
 */
async function typingRun(api: SidelightApi, uri: vscode.Uri, isNote: boolean): Promise<{ eldMax: number; eldP99: number; driftMax: number; busyMax: number; keystrokeMedian: number }> {
  await closeAll();
  const drawn = highlightsUpdated(api, uri, () => true, 5_000).catch(() => undefined);
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  // Reopened, the note is predicted again (its chunks are cached): let that finish so typing starts on a
  // quiet host. The baseline is never predicted; the wait is then just a pause.
  await Promise.race([drawn, sleep(isNote ? 5_000 : 1_000)]);
  await sleep(500);
  let lastUpdate = 0;
  const sub = api.onDidUpdateHighlights((u) => {
    if (u.toString() === uri.toString()) lastUpdate = performance.now();
  });
  const phrase = 'Patient reports nausea and dizziness after starting lisinopril; ibuprofen stopped. ';
  const anchor = editor.document.lineAt(0).range.end;
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const gaps: number[] = [];
  const busy: number[] = [];
  let last = performance.now();
  let elu = performance.eventLoopUtilization();
  const drift = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last - DRIFT_INTERVAL_MS);
    // How much of that gap the loop was running code: a late tick with little active time was the OS
    // not scheduling the host (a shared, loaded machine), not a block of ours or the host's.
    const u = performance.eventLoopUtilization();
    busy.push(performance.eventLoopUtilization(u, elu).active);
    elu = u;
    last = now;
  }, DRIFT_INTERVAL_MS);
  eld.enable();
  const keystrokes: number[] = [];
  let lastKey = 0;
  try {
    let offset = editor.document.offsetAt(anchor);
    for (let i = 0; i < TYPED_CHARS; i++) {
      const t0 = performance.now();
      const ch = phrase[i % phrase.length];
      const pos = editor.document.positionAt(offset);
      if (!(await editor.edit((e) => e.insert(pos, ch), { undoStopBefore: false, undoStopAfter: false }))) throw new Error('keystroke not applied');
      lastKey = performance.now();
      keystrokes.push(lastKey - t0);
      offset += 1;
      await sleep((i + 1) % PAUSE_EVERY === 0 ? PAUSE_MS : KEY_GAP_MS);
    }
    // The last idle prediction belongs to the typing too: for the note, wait for the redraw that follows
    // the last keystroke (it may already have come during the final pause).
    const until = performance.now() + 10_000;
    while (isNote && lastUpdate < lastKey && performance.now() < until) await sleep(50);
    if (isNote && lastUpdate < lastKey) throw new Error('no redraw after the last keystroke within 10 s');
    await sleep(300);
  } finally {
    eld.disable();
    clearInterval(drift);
    sub.dispose();
  }
  await revertAndClose(editor);
  const net = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
  return {
    eldMax: net(eld.max),
    eldP99: net(eld.percentile(99)),
    driftMax: Math.max(0, ...gaps),
    busyMax: Math.max(0, ...busy),
    keystrokeMedian: median(keystrokes),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Throws the bench's edits away (a dirty editor would ask to save on close). */
async function revertAndClose(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
