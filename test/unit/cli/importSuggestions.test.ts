import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ECHO_ARGMAX, ROOT } from '../model/fixtures';

/**
 * `sidelight import --as-suggestions` on what the Spark job writes: a folder of part files whose rows are
 * `predict --jsonl -` rows plus the model's name, version and manifest sha (docs/spark.md). The rows here
 * are made by the real CLI, then given the job's extra columns.
 */
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp = '';
let ws = '';
// CRLF and an emoji before the spans: offsets must be UTF-16 code units, as predict writes them.
const A = 'Allergies: 😀 rash from amoxicillin.\r\nNausea after ibuprofen.\r\n';
const B = 'Mild rash. Takes ibuprofen.';

before(async () => {
  if (!existsSync(CLI)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-suggest-'));
  ws = path.join(tmp, 'ws');
  await fs.mkdir(path.join(ws, 'notes', 'sub'), { recursive: true });
  await fs.writeFile(path.join(ws, 'notes', 'a.txt'), A);
  await fs.writeFile(path.join(ws, 'notes', 'sub', 'b.txt'), B);
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Predicted = { id: string; text: string; spans: { label: string; start: number; end: number; text: string; score: number }[] };

/** Rows as the Spark job writes them, predicted by the CLI with the echo model. */
function jobRows(notes: { id: string; text: string }[], version: string): (Predicted & Record<string, unknown>)[] {
  const r = cli(['predict', '--model', ECHO_ARGMAX, '--jsonl', '-'], notes.map((n) => JSON.stringify(n)).join('\n') + '\n');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ ...(JSON.parse(l) as Predicted), note_sha256: 'x', model_name: 'echo', model_version: version, model_manifest_sha256: 'y' }));
}

async function sidecar(note: string) {
  return JSON.parse(await fs.readFile(path.join(ws, '.sidelight', 'annotations', `${note}.json`), 'utf8')) as {
    spans: { label: string; fragments: [number, number][]; source: string; status: string; score?: number }[];
  };
}

test('a Spark output folder becomes suggestions with the same offsets and the model version as source; skips are counted', async () => {
  const out = path.join(tmp, 'out');
  await fs.mkdir(out);
  const rows = jobRows(
    [
      { id: 'a.txt', text: A },
      { id: 'sub/b.txt', text: B },
      { id: 'elsewhere.txt', text: 'rash' }, // a note of the corpus that this workspace does not hold
      { id: 'a.txt', text: A.replace('rash', 'hives') }, // predicted on an older text of a.txt
    ],
    '1.0.0',
  );
  const failed = { id: 'sub/b.txt', text: B, note_sha256: 'x', model_name: 'echo', model_version: '1.0.0', error: 'prediction failed: boom' };
  await fs.writeFile(path.join(out, 'part-00000-abc.json'), [rows[0], rows[2]].map((r) => JSON.stringify(r)).join('\n') + '\n');
  await fs.writeFile(path.join(out, 'part-00001-abc.json'), [rows[1], rows[3], failed].map((r) => JSON.stringify(r)).join('\n') + '\n');
  await fs.writeFile(path.join(out, '_SUCCESS'), '');
  await fs.writeFile(path.join(out, '.part-00000-abc.json.crc'), 'not a row');

  const r = cli(['import', '--as-suggestions', '--workspace', ws, '--notes-dir', 'notes', out]);
  assert.equal(r.code, 0, r.stderr);
  const expected = rows[0].spans.length + rows[1].spans.length;
  assert.ok(expected >= 4, 'the echo model finds the rash, drugs and nausea');
  assert.match(r.stderr, new RegExp(`imported ${expected} suggestions into 2 notes from 5 rows`));
  assert.match(r.stderr, /skipped 1 row for notes not in the workspace, 1 predicted on another version of the note, 1 failed in the job/);

  const a = await sidecar('notes/a.txt');
  assert.deepEqual(
    a.spans.map((s) => [s.label, s.fragments, s.source, s.status]).sort(),
    rows[0].spans.map((s) => [s.label, [[s.start, s.end]], 'model:echo@1.0.0', 'suggested']).sort(),
  );
  for (const s of a.spans) assert.equal(A.slice(s.fragments[0][0], s.fragments[0][1]), rows[0].spans.find((p) => p.start === s.fragments[0][0])?.text);
  const b = await sidecar('notes/sub/b.txt');
  assert.equal(b.spans.length, rows[1].spans.length);

  const again = cli(['import', '--as-suggestions', '--workspace', ws, '--notes-dir', 'notes', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`imported 0 suggestions.*${expected} already present`), 'a second import adds nothing');
});

test('a newer model version adds only what no span covers yet, under its own source', async () => {
  // "rash" was suggested by 1.0.0 above; 2.0.0 predicts "Allergies" as a new ADE and the same drug span.
  const before = (await sidecar('notes/a.txt')).spans.length;
  const file = path.join(tmp, 'v2.jsonl');
  const row = { file: 'notes/a.txt', text: A, model_name: 'echo', model_version: '2.0.0', spans: [{ label: 'ADE', start: 0, end: 9, text: 'Allergies' }, jobRows([{ id: 'a', text: A }], '2.0.0')[0].spans[1]] };
  await fs.writeFile(file, JSON.stringify(row) + '\n');
  const r = cli(['import', '--as-suggestions', '--workspace', ws, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /imported 1 suggestion .*1 already present/);
  const spans = (await sidecar('notes/a.txt')).spans;
  assert.equal(spans.length, before + 1);
  assert.deepEqual(
    spans.filter((s) => s.source === 'model:echo@2.0.0').map((s) => [s.label, s.fragments]),
    [['ADE', [[0, 9]]]],
  );
});

test('malformed rows are reported with file and line, exit 1; no row matching any note is an error too', async () => {
  const file = path.join(tmp, 'bad.jsonl');
  await fs.writeFile(
    file,
    [
      '{not json',
      JSON.stringify({ id: 'a.txt', text: A, spans: [] }), // no model named, no --source
      JSON.stringify({ id: 'a.txt', text: A, model_name: 'm', model_version: '1', spans: [{ label: 'ADE', start: 14, end: 18, text: 'RASH' }] }),
    ].join('\n') + '\n',
  );
  const r = cli(['import', '--as-suggestions', '--workspace', ws, '--notes-dir', 'notes', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.jsonl:1: not valid JSON/);
  assert.match(r.stderr, /bad\.jsonl:2: .*--source model:<name>@<version>/);
  assert.match(r.stderr, /bad\.jsonl:3: span 1: "text" "RASH" is not what its offsets cover/);

  const none = path.join(tmp, 'none.jsonl');
  await fs.writeFile(none, JSON.stringify({ id: 'a.txt', text: A, model_name: 'm', model_version: '1', spans: [] }) + '\n');
  const r2 = cli(['import', '--as-suggestions', '--workspace', ws, none]); // forgot --notes-dir
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /no row matched a note of the workspace \(ids relative to a folder\? --notes-dir\)/);
});
