import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { packageRoot } from '../../src/core/model/defaultModel';
import { startMoto, type Moto } from '../harness/moto';

// The SDK's Node 20 end-of-support notice is noise in a test log (the CLI turns it off the same way).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * The Spark job (spark/sidelight_spark.py) end to end, with real parts only: PySpark in local mode with 2
 * cores, s3a:// (hadoop-aws) against moto's S3 API, the model pulled from the moto remote by version, and the
 * real default model run by the built CLI. scripts/setup-spark.sh installs PySpark and the jars into
 * .cache/spark/ (CI runs it); nothing is downloaded here.
 *
 * The three runs share one moto and build on each other (a resume needs a previous run's output):
 *   1. JSONL input, 400 rows → output equals `sidelight predict --jsonl` alone, row for row.
 *   2. The same prefix with 113 more rows and one changed note → only those 114 are predicted (resume);
 *      every (id, note sha) appears once.
 *   3. The demo's text notes, Parquet out, with a CLI that dies midway through the first partition → Spark
 *      retries the task.
 *   4. That Parquet output read back as the input (it has id and text), JSONL out: every row read once (no
 *      duplicate from the retry), and the spans equal `sidelight predict FILE…` on the text files.
 *   5. A local folder (no S3): relative ids with subfolders and spaces, a BOM dropped, a re-run doing nothing.
 */

const ROOT = packageRoot(__dirname);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SPARK = path.join(ROOT, '.cache', 'spark');
const VENV_BIN = path.join(SPARK, 'venv', 'bin');
const JOB = path.join(ROOT, 'spark', 'sidelight_spark.py');
const MODEL_DIR = path.join(ROOT, 'models', 'default');
const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as { name: string; version: string };
const MANIFEST_SHA = createHash('sha256').update(readFileSync(path.join(MODEL_DIR, 'manifest.json'))).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

let moto: Moto;
let tmp = '';
let env: NodeJS.ProcessEnv = {};

interface Note {
  id: string;
  text: string;
}
interface OutRow {
  id: string;
  text: string;
  spans?: { label: string; start: number; end: number; text: string; score?: number }[];
  note_sha256: string;
  model_name: string;
  model_version: string;
  model_manifest_sha256: string;
  error?: string;
}

before(async () => {
  if (!existsSync(path.join(VENV_BIN, 'spark-submit')) || !existsSync(path.join(SPARK, 'jars'))) {
    throw new Error(`PySpark is not set up in ${SPARK}: run bash scripts/setup-spark.sh (CI's .ci/run does)`);
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  moto = await startMoto('corpus');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-spark-'));
  env = {
    ...process.env,
    // spark-submit finds its home through the python on PATH: the venv's, not pyenv's shim.
    PATH: `${VENV_BIN}:${process.env.PATH ?? ''}`,
    PYSPARK_PYTHON: path.join(VENV_BIN, 'python'),
    PYSPARK_DRIVER_PYTHON: path.join(VENV_BIN, 'python'),
    SPARK_LOCAL_IP: '127.0.0.1',
    // The driver's `sidelight model pull` reaches moto the way any S3-compatible endpoint is configured.
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The model bundle is published to the remote as a team would, then pulled by version by the job.
  const push = spawnSync(process.execPath, [CLI, 'model', 'push', MODEL_DIR, '--remote', 's3://corpus/team'], { env, encoding: 'utf8' });
  assert.equal(push.status, 0, push.stderr);
});
after(async () => {
  await moto?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

function sparkSubmit(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const jars = readdirSync(path.join(SPARK, 'jars'))
    .filter((f) => f.endsWith('.jar'))
    .map((f) => path.join(SPARK, 'jars', f))
    .join(',');
  const s3a = {
    'fs.s3a.endpoint': moto.endpoint,
    'fs.s3a.path.style.access': 'true',
    'fs.s3a.connection.ssl.enabled': 'false',
    'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    'fs.s3a.access.key': 'testing',
    'fs.s3a.secret.key': 'testing',
  };
  const conf = [
    ...Object.entries(s3a).flatMap(([k, v]) => ['--conf', `spark.hadoop.${k}=${v}`]),
    ...['spark.ui.enabled=false', 'spark.sql.shuffle.partitions=4', 'spark.driver.memory=1g'].flatMap((c) => ['--conf', c]),
  ];
  const started = Date.now();
  // local[2,2]: two cores, and up to 2 attempts per task (local mode's default is 1: no retry at all).
  const r = spawnSync(path.join(VENV_BIN, 'spark-submit'), ['--master', 'local[2,2]', '--jars', jars, ...conf, JOB, ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 600_000,
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(`# spark-submit ${args.slice(0, 4).join(' ')}…: exit ${r.status} in ${seconds.toFixed(1)} s`);
  const summaryLine = r.stdout.trim().split('\n').pop() ?? '';
  let summary: { read: number; todo: number; failed: number; seconds: number } | undefined;
  try {
    summary = JSON.parse(summaryLine) as typeof summary;
  } catch {
    // reported by the caller's assertion with the log
  }
  return { code: r.status, stderr: r.stderr, summary, log: `${r.stderr.slice(-6000)}` };
}

async function put(key: string, body: string): Promise<void> {
  await moto.client.send(new PutObjectCommand({ Bucket: 'corpus', Key: key, Body: body }));
}

/** Every row of the job's output under `prefix` (Spark's part files; _SUCCESS and hidden files skipped). */
async function readOutput(prefix: string): Promise<OutRow[]> {
  const rows: OutRow[] = [];
  let token: string | undefined;
  do {
    const page = await moto.client.send(new ListObjectsV2Command({ Bucket: 'corpus', Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const base = path.posix.basename(o.Key ?? '');
      if (!base.startsWith('part-')) continue;
      const body = await (await moto.client.send(new GetObjectCommand({ Bucket: 'corpus', Key: o.Key }))).Body?.transformToString('utf8');
      for (const l of (body ?? '').split('\n')) if (l.trim()) rows.push(JSON.parse(l) as OutRow);
    }
    token = page.NextContinuationToken;
  } while (token);
  return rows;
}

/** `sidelight predict` alone on the same notes: what the job's output must equal. */
async function predictAlone(notes: Note[]): Promise<Map<string, OutRow['spans']>> {
  const file = path.join(tmp, `alone-${Date.now()}.jsonl`);
  await fs.writeFile(file, notes.map((n) => JSON.stringify(n)).join('\n') + '\n');
  const r = spawnSync(process.execPath, [CLI, 'predict', '--jsonl', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<string, OutRow['spans']>();
  for (const l of r.stdout.split('\n')) {
    if (!l.trim()) continue;
    const row = JSON.parse(l) as { id: string; spans: OutRow['spans'] };
    out.set(row.id, row.spans);
  }
  return out;
}

function assertEqualsAlone(rows: OutRow[], notes: Note[], alone: Map<string, OutRow['spans']>): void {
  const byId = new Map(rows.map((r) => [`${r.id}\u0000${r.note_sha256}`, r]));
  for (const n of notes) {
    const row = byId.get(`${n.id}\u0000${sha256(n.text)}`);
    assert.ok(row, `no output row for ${n.id}`);
    assert.equal(row.text, n.text, `${n.id}: text`);
    assert.equal(row.error, undefined, `${n.id}: ${row.error}`);
    assert.deepEqual(row.spans ?? [], alone.get(n.id), `${n.id}: spans differ from sidelight predict alone`);
    assert.equal(row.model_name, manifest.name);
    assert.equal(row.model_version, manifest.version);
    assert.equal(row.model_manifest_sha256, MANIFEST_SHA);
  }
}

function assertNoDuplicates(rows: OutRow[]): void {
  const keys = rows.map((r) => `${r.id}\u0000${r.note_sha256}\u0000${r.model_version}`);
  const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
  assert.deepEqual(dup, [], 'an (id, note sha, model version) appears more than once');
}

/** A few hundred notes shipped in the repository: the labelled MTSamples notes and ADE corpus sentences. */
function corpus(): Note[] {
  const read = (rel: string) =>
    readFileSync(path.join(ROOT, rel), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id?: string; file?: string; text: string });
  return [...read('data/notes-labelled/dev.jsonl'), ...read('data/notes-labelled/train.jsonl'), ...read('test/fixtures/corpora/ade-dev-sample.jsonl')].map(
    (r) => ({ id: String(r.id ?? r.file), text: r.text }),
  );
}

const model = ['--model', `${manifest.name}@${manifest.version}`, '--remote', 's3://corpus/team', '--cli', `${process.execPath} ${CLI}`];
const notes = corpus();

test('JSONL over s3a://, 400 notes: output equals sidelight predict alone, row for row, model on every row', async () => {
  const first = notes.slice(0, 400);
  await put('in/jsonl/part-0.jsonl', first.map((n) => JSON.stringify(n)).join('\n') + '\n');
  const r = sparkSubmit(['--input', 's3a://corpus/in/jsonl/', '--input-format', 'jsonl', '--output', 's3a://corpus/out/jsonl/', ...model, '--notes-per-partition', '100']);
  assert.equal(r.code, 0, r.log);
  assert.equal(r.summary?.todo, 400, r.log);
  const rows = await readOutput('out/jsonl/');
  assert.equal(rows.length, 400);
  assertNoDuplicates(rows);
  assertEqualsAlone(rows, first, await predictAlone(first));
  assert.ok(rows.filter((x) => x.spans?.length).length > 100, 'the real model finds spans in most notes');
});

test('resume: a re-run over more notes (and one changed) predicts only those, and duplicates nothing', async () => {
  const changed = { ...notes[7], text: notes[7].text + '\nNausea after metformin.' };
  const all = notes.map((n, i) => (i === 7 ? changed : n));
  // The prefix now holds the 400 old rows (one of them changed) and 113 new ones, in two files.
  await put('in/jsonl/part-0.jsonl', all.slice(0, 400).map((n) => JSON.stringify(n)).join('\n') + '\n');
  await put('in/jsonl/part-1.jsonl', all.slice(400).map((n) => JSON.stringify(n)).join('\n') + '\n');
  const r = sparkSubmit(['--input', 's3a://corpus/in/jsonl/', '--input-format', 'jsonl', '--output', 's3a://corpus/out/jsonl/', ...model, '--notes-per-partition', '100']);
  assert.equal(r.code, 0, r.log);
  assert.equal(r.summary?.todo, notes.length - 400 + 1, `only the new notes and the changed one are predicted\n${r.log}`);
  const rows = await readOutput('out/jsonl/');
  assert.equal(rows.length, notes.length + 1, 'the changed note keeps its old row (old sha) and gains one');
  assertNoDuplicates(rows);
  assertEqualsAlone(rows, all, await predictAlone(all));
  assert.ok(
    rows.some((x) => x.id === notes[7].id && x.note_sha256 === sha256(notes[7].text)),
    'the row for the old text is still there',
  );
});

const demoDir = path.join(ROOT, 'demo', 'workspace', 'notes');
const demoFiles = readdirSync(demoDir).filter((f) => f.endsWith('.txt'));
const demoNotes: Note[] = demoFiles.map((f) => ({ id: `notes/${f}`, text: readFileSync(path.join(demoDir, f), 'utf8') }));

test('text notes to Parquet, a CLI process that dies midway: Spark retries the task and the job succeeds', async () => {
  for (const n of demoNotes) await put(`in/text/${n.id}`, n.text);
  const marker = path.join(tmp, 'failed-once');
  const flaky = ['--cli', `${process.execPath} ${path.join(__dirname, 'flakyCli.js')} ${marker} ${CLI}`];
  const r = sparkSubmit(
    ['--input', 's3a://corpus/in/text', '--input-format', 'text', '--output', 's3a://corpus/out/parquet/', '--output-format', 'parquet', ...model.slice(0, 4), ...flaky, '--notes-per-partition', '6'],
    { FLAKY_AFTER: '2' },
  );
  assert.equal(r.code, 0, r.log);
  assert.equal(r.summary?.todo, demoNotes.length, r.log);
  assert.equal(r.summary?.failed, 0, r.log);
  assert.ok(existsSync(marker), 'a predict process was made to fail');
  assert.match(r.stderr, /flaky-cli: dying after 2 rows/);
  assert.match(r.stderr, /Lost task|failed in stage|TaskSetManager.*(WARN|ERROR)/, 'Spark saw the task fail and retried it');
});

test('that Parquet output as input: one row per note (the retry duplicated nothing), spans equal to predict FILE…', async () => {
  const r = sparkSubmit(['--input', 's3a://corpus/out/parquet/', '--input-format', 'parquet', '--output', 's3a://corpus/out/text/', ...model, '--notes-per-partition', '12']);
  assert.equal(r.code, 0, r.log);
  assert.equal(r.summary?.read, demoNotes.length, `the Parquet output holds exactly one row per note\n${r.log}`);
  const rows = await readOutput('out/text/');
  assert.equal(rows.length, demoNotes.length);
  assertNoDuplicates(rows);
  // The ids are the paths relative to the input prefix: the workspace's note paths.
  const alone = spawnSync(process.execPath, [CLI, 'predict', '--workspace', path.join(ROOT, 'demo', 'workspace'), ...demoFiles.map((f) => path.join(demoDir, f))], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(alone.status, 0, alone.stderr);
  const byFile = new Map(
    alone.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { file: string; spans: OutRow['spans'] })
      .map((x) => [x.file, x.spans]),
  );
  assertEqualsAlone(rows, demoNotes, byFile);
});

test('a local folder: ids are paths relative to it (subfolders, spaces), a byte order mark is dropped, a re-run has nothing to do', async () => {
  const input = path.join(tmp, 'local-in');
  await fs.mkdir(path.join(input, 'sub dir'), { recursive: true });
  // The editor drops a UTF-8 BOM and counts offsets after it; CRLF stays two characters.
  await fs.writeFile(path.join(input, 'a.txt'), '\uFEFFRash caused by amoxicillin.');
  await fs.writeFile(path.join(input, 'sub dir', 'b c.txt'), 'Nausea from ibuprofen.\r\nNo fever.');
  const out = path.join(tmp, 'local-out');
  const args = ['--input', input, '--output', out, '--model-dir', MODEL_DIR, '--cli', `${process.execPath} ${CLI}`];
  const r = sparkSubmit(args);
  assert.equal(r.code, 0, r.log);
  const rows = readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as OutRow);
  const texts: Note[] = [
    { id: 'a.txt', text: 'Rash caused by amoxicillin.' },
    { id: 'sub dir/b c.txt', text: 'Nausea from ibuprofen.\r\nNo fever.' },
  ];
  assert.deepEqual(rows.map((x) => x.id).sort(), texts.map((n) => n.id));
  assertEqualsAlone(rows, texts, await predictAlone(texts));
  const again = sparkSubmit(args);
  assert.equal(again.code, 0, again.log);
  assert.deepEqual([again.summary?.read, again.summary?.todo], [2, 0], 'everything is already done');
});
