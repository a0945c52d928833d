/**
 * Annotation store benchmark (issue 6): open and save a workspace of 1,000 annotated notes, and the
 * in-memory cost of labelling and of following an edit. Goal: loading 1,000 sidecars ≤ 500 ms.
 *
 * Each figure is a median over several runs, next to a lower bound measured in the same run on the same
 * files: for loading, a bare `fs.readFile` + `JSON.parse` of every sidecar (what any loader must do); for
 * saving, a bare `fs.writeFile` of the same bytes (no temporary file, no fsync, no rename: what atomicity
 * costs is the difference). The files sit in the page cache after the first run: these are warm figures.
 *
 * Run: `npx tsc -p tsconfig.json && node out/bench/labels.bench.js [notes]`; writes bench/results/labels.json.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnnotationStore } from '../src/core/annotations/annotationStore';
import { walkFiles } from '../src/core/fs/walk';
import { applyEdit } from '../src/core/annotations/offsetTracking';
import { AnnotationSpan, Fragment, makeQuote, serializeSidecar, sha256, sidecarPathFor } from '../src/core/annotations/sidecar';

const NOTES = Number(process.argv[2] ?? 1000);
const SPANS_PER_NOTE = 20;

const SENTENCES = [
  'Patient started on lisinopril 10 mg daily for hypertension.',
  'Two weeks later she developed a dry cough and mild angioedema.',
  'Metformin was continued; she reports nausea and loose stools since the dose increase.',
  'Denies chest pain, shortness of breath or rash.',
  'Atorvastatin stopped because of myalgia and elevated CK.',
  'Plan: switch lisinopril to losartan, follow up in four weeks.',
];

function noteText(i: number): string {
  let t = `Note ${i}\r\n`;
  for (let k = 0; t.length < 3000; k++) t += SENTENCES[(i + k) % SENTENCES.length] + (k % 3 === 2 ? '\r\n' : ' ');
  return t;
}

function spansFor(text: string, i: number): AnnotationSpan[] {
  const words: Fragment[] = [];
  for (const m of text.matchAll(/[A-Za-z]{5,}/g)) words.push([m.index, m.index + m[0].length]);
  const t = new Date(Date.UTC(2025, 0, 1)).toISOString();
  return Array.from({ length: SPANS_PER_NOTE }, (_, k) => {
    const fragments: Fragment[] = k % 7 === 6 ? [words[k * 3], words[k * 3 + 2]] : [words[k * 3]];
    return {
      id: `00000000-0000-4000-8000-${String(i * 100 + k).padStart(12, '0')}`,
      label: k % 2 ? 'ADE' : 'DRUG',
      fragments,
      quote: makeQuote(text, fragments),
      source: k % 5 === 0 ? 'model:sidelight-ade@1.0.0' : 'human',
      status: k % 5 === 0 ? 'suggested' : 'accepted',
      flags: [],
      author: 'bench',
      createdAt: t,
      updatedAt: t,
    } satisfies AnnotationSpan;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-labels-bench-'));
  try {
    const notes: { rel: string; text: string }[] = [];
    for (let i = 0; i < NOTES; i++) {
      const rel = `notes/${String(Math.floor(i / 100)).padStart(2, '0')}/note-${i}.txt`;
      const text = noteText(i);
      notes.push({ rel, text });
      await fs.mkdir(path.dirname(path.join(ws, rel)), { recursive: true });
      await fs.writeFile(path.join(ws, rel), text);
      const file = sidecarPathFor(ws, rel);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, serializeSidecar({ schemaVersion: 1, note: rel, noteSha256: sha256(text), done: false, spans: spansFor(text, i) }));
    }
    const files = notes.map((n) => sidecarPathFor(ws, n.rel));
    const totalBytes = (await Promise.all(files.map((f) => fs.stat(f)))).reduce((n, s) => n + s.size, 0);

    const RUNS = 7;
    const rawLoad: number[] = [];
    const rawListAndLoad: number[] = [];
    const storeLoad: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      rawLoad.push(await time(() => Promise.all(files.map(async (f) => JSON.parse(await fs.readFile(f, 'utf8'))))));
      rawListAndLoad.push(
        await time(async () => {
          const listed = (await walkFiles(path.join(ws, '.sidelight', 'annotations'))).files;
          await Promise.all(listed.map(async (f) => JSON.parse(await fs.readFile(path.join(ws, '.sidelight', 'annotations', f), 'utf8'))));
        }),
      );
      storeLoad.push(
        await time(async () => {
          const store = new AnnotationStore(ws, { author: 'bench' });
          const { notes: loaded, errors } = await store.loadAll();
          if (loaded.length !== NOTES || errors.length) throw new Error(`loaded ${loaded.length}, ${errors.length} errors`);
        }),
      );
    }

    // Save: change one span's label in every note, then flush (atomic writes: tmp + fsync + rename).
    const SAVE_RUNS = 3;
    const storeSave: number[] = [];
    const rawSave: number[] = [];
    for (let r = 0; r < SAVE_RUNS; r++) {
      const store = new AnnotationStore(ws, { author: 'bench', saveDelayMs: 60_000 });
      await store.loadAll();
      for (const n of notes) {
        const sc = await store.get(n.rel);
        await store.changeLabel(n.rel, [sc.spans[0].id], r % 2 ? 'ADE' : 'DRUG');
      }
      storeSave.push(await time(() => store.flush()));
      const contents = await Promise.all(files.map((f) => fs.readFile(f, 'utf8')));
      rawSave.push(await time(() => Promise.all(files.map((f, k) => fs.writeFile(f, contents[k])))));
      store.dispose();
    }

    // Labelling latency in memory: the store's part of "choose a label → span drawn" (the editor adds its own).
    const store = new AnnotationStore(ws, { author: 'bench', saveDelayMs: 60_000 });
    const big = notes[0];
    await store.get(big.rel);
    const addTimes: number[] = [];
    for (let k = 0; k < 51; k++) {
      const at = 10 + k * 40;
      addTimes.push(await time(() => store.addSpans(big.rel, big.text, [{ label: 'ADE', fragments: [[at, at + 5]] }])));
    }
    store.dispose();

    // Following one edit on a 100,000-character note with 1,000 spans.
    const longText = noteText(0).repeat(34).slice(0, 100_000);
    let spans: AnnotationSpan[] = Array.from({ length: 1000 }, (_, k) => ({ ...spansFor(longText, 0)[0], id: `s${k}`, fragments: [[k * 100 + 3, k * 100 + 9]] as Fragment[] }));
    const editTimes: number[] = [];
    for (let k = 0; k < 501; k++) {
      const offset = (k * 7919) % 100_000;
      editTimes.push(await time(() => (spans = applyEdit(spans, { offset, deletedLength: k % 3, insertedText: 'x' }))));
    }

    const round = (x: number) => Math.round(x * 100) / 100;
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      notes: NOTES,
      spansPerNote: SPANS_PER_NOTE,
      sidecarBytes: totalBytes,
      load: {
        runs: RUNS,
        storeLoadAllMs: round(median(storeLoad)),
        lowerBoundReadParseMs: round(median(rawLoad)),
        lowerBoundListReadParseMs: round(median(rawListAndLoad)),
        goalMs: 500,
      },
      save: {
        runs: SAVE_RUNS,
        storeFlushAllMs: round(median(storeSave)),
        lowerBoundPlainWriteMs: round(median(rawSave)),
        note: 'store writes are atomic: temporary file, fsync, rename',
      },
      addSpanMedianMs: round(median(addTimes)),
      editOn100kNoteWith1000SpansMedianMs: Math.round(median(editTimes) * 1000) / 1000,
    };
    console.log(JSON.stringify(result, null, 2));
    const outDir = path.resolve(__dirname, '..', '..', 'bench', 'results');
    await fs.mkdir(outDir, { recursive: true });
    await fs.writeFile(path.join(outDir, 'labels.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await fs.rm(ws, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
