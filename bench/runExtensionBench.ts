/**
 * Runs a benchmark that must execute inside the real extension host: `node out/bench/runExtensionBench.js
 * highlight|labels-editor|review-queue` (after `npm run build && npm run compile-tests`). It reuses the integration
 * harness (test/harness: code-server on a free port in its own process group, Debian's Chromium) and opens
 * the workbench with `extensionTestsPath` pointing at out/bench/<name>/index.js instead of the test suites.
 * Each session gets a fresh copy of the demo workspace; the bench module writes its raw samples to the file
 * named by $SIDELIGHT_BENCH_OUT (the host has no stdout we can read), and this runner prints the table and
 * writes bench/results/<name>.json. Not a test: it reports figures beside the goals and asserts none.
 *
 * `highlight` runs SIDELIGHT_BENCH_ACTIVATIONS (default 5) extra sessions first, each a fresh host whose
 * workspace hides `.sidelight` at startup so nothing activates the extension before the bench times it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser } from '../test/harness/browser';
import { CODE_SERVER_VERSION, startCodeServer, testRunUrl } from '../test/harness/codeServer';
import { demoDir, repoRoot } from '../test/harness/paths';

interface BenchOutput {
  phase: string;
  samples: Record<string, number[]>;
  info: Record<string, unknown>;
}

/** One line of the table: a metric, optionally its lower bound (same run) and the goal it is held to. */
interface RowSpec {
  label: string;
  key: string;
  lowerBound?: string;
  goalMs?: number;
  /** Which statistic the goal applies to: a median time, or the worst block seen. */
  goalOn?: 'median' | 'max';
}

interface BenchSpec {
  phases: { phase: string; sessions: number; hideSidelight?: boolean }[];
  rows: RowSpec[];
  notes: string[];
}

const BENCHES: Record<string, BenchSpec> = {
  highlight: {
    phases: [
      { phase: 'activation', sessions: Number(process.env.SIDELIGHT_BENCH_ACTIVATIONS ?? 5), hideSidelight: true },
      { phase: 'main', sessions: 1 },
    ],
    rows: [
      { label: 'activation: activate() call itself', key: 'activation.activateCall', goalMs: 50 },
      { label: 'activation: code load (require of the bundle)', key: 'activation.codeLoad', goalMs: 40 },
      { label: 'activation: ext.activate() after code load', key: 'activation.extActivate' },
      { label: 'first note after activation (model load incl.)', key: 'firstNote.withModelLoad' },
      { label: 'first note after activation: show → decorations', key: 'firstNote.open' },
      { label: '5k note, full: idle timer → decorations', key: '5k.full.controller', lowerBound: '5k.full.api', goalMs: 50 },
      { label: '5k note, first open: show → decorations', key: '5k.full.open', lowerBound: '5k.full.api', goalMs: 50 },
      { label: '5k note, full, editor already open', key: '5k.full.controllerOpenEditor', lowerBound: '5k.full.api', goalMs: 50 },
      { label: '5k note, after an edit: timer → decorations', key: '5k.edit.controller', lowerBound: '5k.edit.api', goalMs: 50 },
      { label: '5k note, after an edit, model cache hit', key: '5k.edit.controllerCacheHit' },
      { label: '100k note, full: idle timer → decorations', key: '100k.full.controller', lowerBound: '100k.full.api' },
      { label: '100k note, first open: show → decorations', key: '100k.full.open', lowerBound: '100k.full.api' },
      { label: '100k note, full, editor already open', key: '100k.full.controllerOpenEditor', lowerBound: '100k.full.api' },
      { label: '100k note, after an edit: timer → decorations', key: '100k.edit.controller', lowerBound: '100k.edit.api' },
      { label: '100k note, after an edit, model cache hit', key: '100k.edit.controllerCacheHit' },
      { label: 'typing 200 ch in 100k note: longest block (ELD)', key: 'typing.note.eldMax', lowerBound: 'typing.baseline.eldMax', goalMs: 50, goalOn: 'max' },
      { label: 'typing 200 ch in 100k note: longest block (drift)', key: 'typing.note.driftMax', lowerBound: 'typing.baseline.driftMax', goalMs: 50, goalOn: 'max' },
      { label: 'typing 200 ch in 100k note: longest busy stretch', key: 'typing.note.busyMax', lowerBound: 'typing.baseline.busyMax' },
      { label: 'typing 200 ch in 100k note: p99 delay (ELD)', key: 'typing.note.eldP99', lowerBound: 'typing.baseline.eldP99' },
      { label: 'typing: median editor.edit round trip', key: 'typing.note.keystroke', lowerBound: 'typing.baseline.keystroke' },
    ],
    notes: [
      'activation: one sample per fresh extension host; the workspace hid .sidelight at startup so the bench, not workspaceContains, activates; the bundle is whatever the last build left in dist/ (size in sessions[].bundleBytes)',
      'timer → decorations is the controller\'s lastRunMs (idle timer fired → setDecorations returned in the host); painting in the page is not included',
      'lower bound: api.getPredictions on text equivalent to the same case (model in its worker, chunk cache cold for "full", one changed chunk for "edit")',
      '"full" runs on first open (delay 0, while the page is still opening the editor); "full, editor already open" turns highlights on in an open, settled editor',
      '"model cache hit": the controller run that follows an API prediction of the same text, i.e. the editor\'s own overhead',
      'ext.activate() after code load: mostly VS Code creating the ExtensionContext (storage round trips to the page), which in a normal activation overlaps the code load',
      'typing: 200 one-character editor.edit calls 20 ms apart near the top of the note, a 450 ms pause every 50 so the model runs mid-typing; lower bound = the same typing into the same text as a non-note (.log); blocks are net of the probe interval; goal checked on the worst block of all repetitions; "busy stretch" = event-loop active time within the longest probe tick (a late tick with little active time is the OS not scheduling the host)',
    ],
  },
  'labels-editor': {
    phases: [{ phase: 'main', sessions: 1 }],
    rows: [
      { label: 'choose label → span in API and redraw issued', key: 'label.total', lowerBound: 'floor.bareQuickPickAccept', goalMs: 50 },
      { label: '  … → annotations change event', key: 'label.changeEvent' },
      { label: '  … → redraw issued (setDecorations)', key: 'label.redrawIssued' },
      { label: '  … → getAnnotations has the span', key: 'label.apiHasSpan' },
    ],
    notes: [
      'the clock starts when the bench sends workbench.action.acceptSelectedQuickOpenItem (Enter on the label quick pick) and stops when getAnnotations has the span and the redraw ran; the first run is a warm-up',
      'lower bound: the same accept sent to a bare quick pick of the bench\'s own, timed to its onDidAccept (the host → page → host hops with none of Sidelight\'s work); painting in the page is not included',
    ],
  },
  'review-queue': {
    phases: [{ phase: 'main', sessions: 1 }],
    rows: [
      { label: 'queue: build (6 notes, model run on each)', key: 'queue.build' },
      { label: 'queue: one decision (one key), next item shown', key: 'queue.decision', lowerBound: 'noteByNote.decision' },
      { label: 'note by note: one decision (next + accept/reject)', key: 'noteByNote.decision' },
    ],
    notes: [
      'a scripted reviewer decides every suggestion and prediction of the same six demo notes, alternately accept and reject, with no reading time: the tool\'s own cost per decision',
      'the "lower bound" column here is the peer, the note-by-note review the queue replaces; info.queue and info.noteByNote hold decisions, commands per decision and decisions per minute (including opening notes and waiting for their highlights)',
    ],
  },
};

interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
}

function stats(xs: number[] | undefined): Stats | undefined {
  if (!xs?.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { n: s.length, median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
}

async function runSession(
  browser: Awaited<ReturnType<typeof launchBrowser>>,
  name: string,
  phase: string,
  hideSidelight: boolean,
): Promise<BenchOutput> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), `sidelight-bench-${name}-`));
  const folder = path.join(work, 'workspace');
  await fs.cp(path.join(demoDir, 'workspace'), folder, { recursive: true });
  await fs.cp(path.join(demoDir, 'remote'), path.join(work, 'remote'), { recursive: true });
  // Without .sidelight (and with no note open) nothing activates the extension at startup; the bench
  // puts the folder back before it activates the extension itself.
  if (hideSidelight) await fs.rename(path.join(folder, '.sidelight'), path.join(folder, '.sidelight-bench-hidden'));
  const outFile = path.join(work, 'bench-out.json');
  const server = await startCodeServer({ folder, env: { SIDELIGHT_BENCH_OUT: outFile, SIDELIGHT_BENCH_PHASE: phase } });
  const page = await browser.context.newPage();
  try {
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.goto(testRunUrl(server, folder, repoRoot, path.join(repoRoot, 'out', 'bench', name, 'index.js')));
    const timeoutMs = Number(process.env.SIDELIGHT_BENCH_TIMEOUT ?? 20 * 60_000);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exitCode,
      new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}/${phase} did not finish in ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    let out: BenchOutput;
    try {
      out = JSON.parse(await fs.readFile(outFile, 'utf8')) as BenchOutput;
    } catch {
      throw new Error(`${name}/${phase}: the bench wrote no results (exit code ${code}); code-server said:\n${server.output()}`);
    }
    if (code !== 0 || out.info.error) throw new Error(`${name}/${phase} failed (exit code ${code}): ${JSON.stringify(out.info, null, 2)}`);
    return out;
  } finally {
    await page.close().catch(() => undefined);
    await server.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

const fmt = (x: number | undefined) => (x === undefined ? '' : x < 10 ? x.toFixed(2) : x.toFixed(1));

function printTable(name: string, rows: ReturnType<typeof buildRows>): void {
  const header = ['metric (ms)', 'n', 'median', 'min', 'max', 'lower bound', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.label,
    String(r.stats?.n ?? 0),
    fmt(r.stats?.median),
    fmt(r.stats?.min),
    fmt(r.stats?.max),
    fmt(r.lowerBound?.median),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.goalMs === undefined ? '' : `${r.goalOn === 'max' ? 'max' : 'median'} ≤ ${r.goalMs}`,
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${name}`);
  console.log(row(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`);
  for (const l of lines) console.log(row(l));
}

function buildRows(spec: BenchSpec, samples: Record<string, number[]>) {
  return spec.rows.map((r) => {
    const s = stats(samples[r.key]);
    const lb = r.lowerBound ? stats(samples[r.lowerBound]) : undefined;
    const judged = r.goalOn === 'max' ? s?.max : s?.median;
    return {
      ...r,
      lowerBoundKey: r.lowerBound,
      stats: s,
      lowerBound: lb,
      ratio: s && lb && lb.median > 0 ? s.median / lb.median : undefined,
      met: r.goalMs === undefined || judged === undefined ? undefined : judged <= r.goalMs,
    };
  });
}

async function main(): Promise<number> {
  const name = process.argv[2] ?? '';
  // `--only=<phase>` runs one phase (e.g. `highlight --only=activation`), for quicker iterations.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const spec = BENCHES[name];
  if (!spec) {
    console.error(`usage: node out/bench/runExtensionBench.js <${Object.keys(BENCHES).join('|')}>`);
    return 2;
  }
  for (const f of [path.join(repoRoot, 'dist', 'extension.js'), path.join(repoRoot, 'out', 'bench', name, 'index.js')]) {
    await fs.access(f).catch(() => {
      throw new Error(`${f} is missing: run \`npm run build && npm run compile-tests\` first`);
    });
  }
  const samples: Record<string, number[]> = {};
  const info: Record<string, unknown>[] = [];
  let discarded = 0;
  const started = Date.now();
  const browser = await launchBrowser();
  try {
    for (const p of spec.phases.filter((x) => !only || x.phase === only)) {
      for (let i = 0, attempts = 0; i < p.sessions; i++) {
        process.stdout.write(`${name}: ${p.phase} session ${i + 1}/${p.sessions}… `);
        const t0 = Date.now();
        const out = await runSession(browser, name, p.phase, p.hideSidelight ?? false);
        console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
        if (out.info.activeBeforeBench === true) {
          // The host activated the extension before the bench could time it: nothing measured, try again.
          discarded++;
          console.log(`  (discarded: the extension was already active; open documents: ${JSON.stringify(out.info.openDocuments)})`);
          if (++attempts > 2 * p.sessions) throw new Error(`${name}/${p.phase}: the extension was active at startup in ${discarded} hosts`);
          i--;
          continue;
        }
        for (const [k, xs] of Object.entries(out.samples)) (samples[k] ??= []).push(...xs);
        info.push({ phase: p.phase, ...out.info });
      }
    }
  } finally {
    await browser.close();
  }
  const rows = buildRows(spec, samples);
  printTable(name, rows);
  for (const n of spec.notes) console.log(`  - ${n}`);
  const result = {
    date: new Date().toISOString(),
    bench: name,
    machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: os.loadavg()[0] },
    codeServer: CODE_SERVER_VERSION,
    wallSeconds: (Date.now() - started) / 1000,
    discardedSessions: discarded,
    rows: rows.map((r) => ({
      label: r.label,
      key: r.key,
      ...(r.stats ?? { n: 0 }),
      ...(r.lowerBound ? { lowerBoundKey: r.lowerBoundKey, lowerBoundMedian: r.lowerBound.median, lowerBoundMin: r.lowerBound.min, lowerBoundMax: r.lowerBound.max } : {}),
      ...(r.ratio !== undefined ? { ratio: r.ratio } : {}),
      ...(r.goalMs !== undefined ? { goalMs: r.goalMs, goalOn: r.goalOn ?? 'median', met: r.met } : {}),
    })),
    notes: spec.notes,
    sessions: info,
    samples,
  };
  if (only) {
    // A partial run must not replace the figures of a full one.
    console.log('\n(--only: bench/results not written)');
    return 0;
  }
  const file = path.join(repoRoot, 'bench', 'results', `${name}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(repoRoot, file)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
