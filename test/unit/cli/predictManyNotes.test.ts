import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURES, ROOT } from '../model/fixtures';

/**
 * `sidelight predict` on 400 real notes in one call, with the real default model. Such a call used to die
 * with SIGSEGV before reading a note: onnxruntime's telemetry parsed the command line recursively and
 * overflowed the stack once it passed about 28 KB (src/core/model/onnxRuntimeTelemetry.ts).
 */
const CLI = path.join(ROOT, 'dist', 'cli.js');
const NOTES = path.join(FIXTURES, 'corpora', 'mtsamples-more-400.jsonl');
let tmp = '';

interface Note {
  id: string;
  text: string;
}
interface OutRow {
  id?: string;
  file?: string;
  text: string;
  spans: { label: string; start: number; end: number; text: string; score: number }[];
}

let notes: Note[] = [];
/** Absolute paths of the notes written as .txt files, in the order given to the CLI. */
let files: string[] = [];
/** The file mode's rows, compared with the stream's. */
let fileRows: OutRow[] = [];

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-many-'));
  notes = (await fs.readFile(NOTES, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Note);
  // A folder name as long as real ones get, so that the command line is well past the size that crashed.
  const folder = path.join(tmp, 'clinic exports', 'transcribed notes of the internal medicine ward, 2024');
  await fs.mkdir(folder, { recursive: true });
  files = notes.map((n) => path.join(folder, `${n.id}.txt`));
  await Promise.all(notes.map((n, i) => fs.writeFile(files[i], n.text)));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  // Not inherited from this process: the CLI itself must turn the telemetry off.
  const env = { ...process.env, ORT_DISABLE_TELEMETRY: undefined };
  const r = spawnSync(process.execPath, [CLI, 'predict', ...args], { input, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return {
    code: r.status,
    signal: r.signal,
    stderr: r.stderr,
    rows: r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as OutRow),
  };
}

/** Every span lies inside its note and quotes it. */
function assertSpansValid(row: OutRow): void {
  for (const s of row.spans) {
    assert.ok(s.start >= 0 && s.start < s.end && s.end <= row.text.length, `${row.file ?? row.id}: span ${s.start}-${s.end} outside the note`);
    assert.equal(s.text, row.text.slice(s.start, s.end));
    assert.ok(s.label === 'ADE' || s.label === 'DRUG', s.label);
  }
}

test('predict FILE… with 400 real notes in one call (a command line over 40 KB): every note gets its row, in order', () => {
  assert.ok(notes.length >= 400, `${notes.length} notes in the fixture`);
  const commandLine = [process.execPath, CLI, 'predict', '--threads', '2', ...files].join(' ');
  assert.ok(commandLine.length > 40_000, `command line of ${commandLine.length} characters`);

  const r = run(['--threads', '2', ...files]);
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.rows.map((x) => x.file),
    files,
  );
  r.rows.forEach((row, i) => {
    assert.equal(row.text, notes[i].text, `${files[i]}: text`);
    assertSpansValid(row);
  });
  // The real model finds drugs in real notes: an empty result everywhere would mean it did not run.
  const withDrugs = r.rows.filter((x) => x.spans.some((s) => s.label === 'DRUG')).length;
  assert.ok(withDrugs >= 100, `${withDrugs} of ${r.rows.length} notes with a DRUG`);
  fileRows = r.rows;
});

test('predict --jsonl - with the same 400 notes on stdin: one row out per row in, the same spans as the file mode', () => {
  assert.equal(fileRows.length, notes.length, 'the file-mode test ran first');
  const input = notes.map((n) => JSON.stringify({ id: n.id, text: n.text })).join('\n') + '\n';
  const r = run(['--jsonl', '-', '--threads', '1'], input);
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /400 rows, 0 failed/);
  assert.deepEqual(
    r.rows.map((x) => x.id),
    notes.map((n) => n.id),
  );
  r.rows.forEach((row, i) => {
    assertSpansValid(row);
    const expected = fileRows[i].spans;
    assert.deepEqual(
      row.spans.map((s) => [s.label, s.start, s.end]),
      expected.map((s) => [s.label, s.start, s.end]),
      `${row.id}: spans`,
    );
    // One thread or two may sum in another order: scores agree to float precision, not bit for bit.
    row.spans.forEach((s, k) => assert.ok(Math.abs(s.score - expected[k].score) < 1e-4, `${row.id}: score ${s.score} vs ${expected[k].score}`));
  });
});
