import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { after, before, test } from 'node:test';
import { ECHO_ARGMAX, ROOT } from '../model/fixtures';

/** `sidelight predict --jsonl -` as a pipeline runs it: the built CLI as a child process, rows on stdin. */
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp = '';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-stream-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

type Row = { id?: string; file?: string; line?: number; error?: string; text?: string; spans?: { label: string; start: number; end: number; text: string }[] };

function pipeAll(input: string, args: string[] = ['--model', ECHO_ARGMAX]) {
  const r = spawnSync(process.execPath, [CLI, 'predict', '--jsonl', '-', ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, rows: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row), stderr: r.stderr };
}

test('one row out per row in, in order; a bad row gets an error row with its id and the stream goes on; exit 1', () => {
  const input = [
    JSON.stringify({ id: 'n1', text: 'nausea from ibuprofen' }),
    '{"id": "broken"', // not JSON: no id can be read, the line number pairs it
    '', // a blank line is not a row
    JSON.stringify({ id: 'n3' }), // JSON without text: its id is kept
    JSON.stringify({ id: 42, text: 'rash' }), // numeric id, as the batch mode accepts
    JSON.stringify({ file: 'notes/x.txt', text: 'café 😀' }),
  ].join('\n');
  const r = pipeAll(input + '\n');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    r.rows.map((x) => [x.id ?? x.file, x.line, x.error !== undefined]),
    [
      ['n1', undefined, false],
      [undefined, 2, true],
      ['n3', 4, true],
      ['42', undefined, false],
      ['notes/x.txt', undefined, false],
    ],
  );
  assert.match(r.rows[1].error ?? '', /not valid JSON/);
  assert.match(r.rows[2].error ?? '', /no string "text"/);
  assert.deepEqual(
    r.rows[0].spans?.map((s) => [s.label, s.text]),
    [
      ['ADE', 'nausea'],
      ['DRUG', 'ibuprofen'],
    ],
  );
  assert.deepEqual(
    r.rows[4].spans?.map((s) => [s.start, s.end]),
    [
      [0, 4],
      [5, 7],
    ],
    'UTF-16 offsets, as in the batch mode',
  );
  assert.match(r.stderr, /<stdin>:4 \(id "n3"\): the row has no string "text"/);
  assert.match(r.stderr, /5 rows, 2 failed/);
});

test('exit code 0 when every row is predicted; no trailing newline needed; --threads is checked', () => {
  const r = pipeAll([JSON.stringify({ id: 'a', text: 'rash' }), JSON.stringify({ id: 'b', text: '' })].join('\n'), ['--model', ECHO_ARGMAX, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.rows.map((x) => [x.id, x.spans?.length]),
    [
      ['a', 1],
      ['b', 0],
    ],
  );
  const bad = pipeAll('', ['--model', ECHO_ARGMAX, '--threads', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--threads must be a number from 1 to 256/);
});

test('streams: each row is answered before the next is written, by one process that loaded the model once', async () => {
  const child = spawn(process.execPath, [CLI, 'predict', '--jsonl', '-', '--model', ECHO_ARGMAX], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timeout = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer for ${what} within 20 s; stderr: ${stderr}`)), 20_000))]);
  // stdin stays open throughout: an answer can only come if the CLI writes (and flushes) each row as it goes.
  for (let i = 0; i < 5; i++) {
    child.stdin.write(JSON.stringify({ id: `r${i}`, text: i % 2 ? 'rash from aspirin' : 'no findings' }) + '\n');
    const next = await timeout(lines.next(), `row ${i}`);
    assert.equal(next.done, false);
    assert.equal((JSON.parse(next.value as string) as Row).id, `r${i}`);
  }
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.equal(stderr.match(/sidelight predict: model /g)?.length, 1, 'the model is loaded (and announced) once');
});

test('a large input through a pipe comes back whole and in order, equal to the batch mode on the default model', async () => {
  // Real notes and the real default model: the streaming filter must give exactly what `--jsonl FILE` gives.
  const notes = readFileSync(path.join(ROOT, 'data', 'notes-labelled', 'dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; text: string });
  // Repeated to exceed the pipe buffers and the reader's pause threshold several times over.
  const rows = Array.from({ length: 2 }, (_, k) => notes.map((n) => ({ id: `${k}/${n.id}`, text: n.text }))).flat();
  const input = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = path.join(tmp, 'dev.jsonl');
  await fs.writeFile(file, input);
  const streamed = pipeAll(input, []);
  assert.equal(streamed.code, 0, streamed.stderr);
  const batch = spawnSync(process.execPath, [CLI, 'predict', '--jsonl', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(batch.status, 0, batch.stderr);
  assert.deepEqual(
    streamed.rows.map((r) => r.id),
    rows.map((r) => r.id),
  );
  assert.deepEqual(streamed.rows, batch.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row));
  assert.ok(streamed.rows.some((r) => (r.spans?.length ?? 0) > 0), 'the default model finds something in real notes');
});
