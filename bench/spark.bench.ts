/**
 * `npm run bench:spark`: how fast the Spark job pre-annotates, against its floor, the single CLI process
 * doing the same notes. Not a test: it asserts nothing. Needs scripts/setup-spark.sh (PySpark in .cache/spark).
 *
 *   node out/bench/spark.bench.js [--copies N] [--runs N]
 *
 * Corpus: the 113 labelled MTSamples notes shipped in data/notes-labelled (real clinical notes, about 3,000
 * characters each), repeated --copies times under distinct ids. Measured, median of --runs:
 *   - single process: `sidelight predict --jsonl -` fed the whole corpus through a pipe (wall time, start
 *     included), and its start-up alone (spawn → first answer to a one-word note: Node, the bundle, the
 *     model load);
 *   - Spark local[1] and local[2] (the job as shipped, local files in and out, so that S3 is not measured):
 *     the job's own timing (read, skip-check, predict, write) and the spark-submit wall time (JVM start);
 *   - the per-partition start-up as Spark pays it: local[2] with 4 partitions vs 4 × 8, the difference in
 *     core-seconds per extra partition.
 * Then a projection on paper to 100 nodes and 10 million notes (bench/README.md says what it assumes).
 * A table on stdout; JSON in bench/results/spark.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/model/defaultModel';

const ROOT = packageRoot(__dirname);
const CLI = path.join(ROOT, 'dist', 'cli.js');
const VENV_BIN = path.join(ROOT, '.cache', 'spark', 'venv', 'bin');
const JOB = path.join(ROOT, 'spark', 'sidelight_spark.py');

/**
 * Price assumptions for the projection (AWS us-east-1 on-demand list prices as we know them; check the
 * current price list before quoting): m6i.2xlarge (8 vCPU, 32 GiB) $0.384/h EC2 + $0.096/h EMR fee.
 */
const NODE = { type: 'm6i.2xlarge', vcpus: 8, ec2PerHour: 0.384, emrPerHour: 0.096 };
const PROJECTION = { nodes: 100, notes: 10_000_000, notesPerPartition: 2000, efficiency: 0.85, clusterStartMinutes: 10 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function corpus(copies: number): { id: string; text: string }[] {
  const rows = ['dev', 'train'].flatMap((split) =>
    readFileSync(path.join(ROOT, 'data', 'notes-labelled', `${split}.jsonl`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id?: string; file?: string; text: string }),
  );
  return Array.from({ length: copies }, (_, k) => rows.map((r) => ({ id: `${k}/${r.id ?? r.file}`, text: r.text }))).flat();
}

/** Wall ms of one `predict --jsonl -` over `input`, and ms to its first answer. */
async function pipeThrough(input: string): Promise<{ totalMs: number; firstMs: number; rows: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'predict', '--jsonl', '-'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let firstMs = 0;
  let rows = 0;
  const done = new Promise<void>((resolve) =>
    readline
      .createInterface({ input: child.stdout })
      .on('line', () => {
        if (rows++ === 0) firstMs = performance.now() - t0;
      })
      .on('close', resolve),
  );
  child.stdin.end(input);
  await done;
  await new Promise((r) => child.on('close', r));
  return { totalMs: performance.now() - t0, firstMs, rows };
}

function sparkRun(master: string, inDir: string, outDir: string, notesPerPartition: number): { jobS: number; wallS: number } {
  rmSync(outDir, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(
    path.join(VENV_BIN, 'spark-submit'),
    ['--master', master, '--conf', 'spark.ui.enabled=false', '--conf', 'spark.sql.shuffle.partitions=4', JOB, '--input', inDir, '--input-format', 'jsonl', '--output', outDir, '--model-dir', path.join(ROOT, 'models', 'default'), '--cli', `${process.execPath} ${CLI}`, '--notes-per-partition', String(notesPerPartition)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ''}`, PYSPARK_PYTHON: path.join(VENV_BIN, 'python'), PYSPARK_DRIVER_PYTHON: path.join(VENV_BIN, 'python'), SPARK_LOCAL_IP: '127.0.0.1' },
    },
  );
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`spark-submit failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; todo: number };
  return { jobS: summary.seconds, wallS };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { copies: { type: 'string', default: '4' }, runs: { type: 'string', default: '3' } } });
  if (!existsSync(path.join(VENV_BIN, 'spark-submit'))) throw new Error('PySpark is not set up: bash scripts/setup-spark.sh');
  const notes = corpus(Number(values.copies));
  const runs = Number(values.runs);
  const chars = notes.reduce((n, x) => n + x.text.length, 0);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sidelight-bench-spark-'));
  const inDir = path.join(tmp, 'in');
  mkdirSync(inDir);
  const input = notes.map((n) => JSON.stringify(n)).join('\n') + '\n';
  writeFileSync(path.join(inDir, 'notes.jsonl'), input);
  console.log(`corpus: ${notes.length} notes, ${(chars / notes.length).toFixed(0)} characters on average; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`);

  const startup: number[] = [];
  const single: number[] = [];
  for (let i = 0; i < runs; i++) {
    startup.push((await pipeThrough(JSON.stringify({ id: 'x', text: 'rash' }) + '\n')).firstMs);
    const r = await pipeThrough(input);
    if (r.rows !== notes.length) throw new Error(`predict answered ${r.rows} of ${notes.length} rows`);
    single.push(r.totalMs);
  }
  const startupS = median(startup) / 1000;
  const singleS = median(single) / 1000;
  const perNoteS = (singleS - startupS) / notes.length; // one process's seconds per note, start-up excluded

  const quarter = Math.ceil(notes.length / 4);
  const spark: Record<string, { jobS: number[]; wallS: number[] }> = {};
  const variants: [string, string, number][] = [
    ['local[1], 4 partitions', 'local[1]', quarter],
    ['local[2], 4 partitions', 'local[2]', quarter],
    ['local[2], 32 partitions', 'local[2]', Math.ceil(notes.length / 32)],
  ];
  for (const [name, master, npp] of variants) {
    spark[name] = { jobS: [], wallS: [] };
    for (let i = 0; i < runs; i++) {
      const r = sparkRun(master, inDir, path.join(tmp, 'out'), npp);
      spark[name].jobS.push(r.jobS);
      spark[name].wallS.push(r.wallS);
      console.log(`  ${name}: job ${r.jobS.toFixed(1)} s, spark-submit ${r.wallS.toFixed(1)} s`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  const m = (k: string) => ({ jobS: median(spark[k].jobS), wallS: median(spark[k].wallS) });
  // 28 more partitions on 2 cores: the extra wall time × 2 cores / 28 = core-seconds per partition start.
  const partitionStartS = ((m('local[2], 32 partitions').jobS - m('local[2], 4 partitions').jobS) * 2) / 28;

  const rows: [string, string, string][] = [
    ['single `predict --jsonl -` process (start included)', `${(notes.length / singleS).toFixed(1)} notes/s`, `${singleS.toFixed(1)} s`],
    ['… its start-up (spawn → first answer)', '', `${startupS.toFixed(2)} s`],
    ['… per note, start-up excluded', '', `${(perNoteS * 1000).toFixed(1)} ms`],
  ];
  for (const [name] of variants) {
    const x = m(name);
    rows.push([`Spark ${name}: job (read, skip-check, predict, write)`, `${(notes.length / x.jobS).toFixed(1)} notes/s`, `${x.jobS.toFixed(1)} s`]);
    rows.push([`Spark ${name}: spark-submit wall (JVM start included)`, '', `${x.wallS.toFixed(1)} s`]);
  }
  rows.push(['per-partition start-up paid in Spark (core-seconds)', '', `${partitionStartS.toFixed(2)} s`]);

  // Projection on paper: every vCPU runs one task (one CLI process, --threads 1) at the per-note cost
  // measured here, plus one start-up per partition; `efficiency` covers stragglers, scheduling, S3 I/O.
  const cores = PROJECTION.nodes * NODE.vcpus;
  const partitions = Math.ceil(PROJECTION.notes / PROJECTION.notesPerPartition);
  const coreSeconds = PROJECTION.notes * perNoteS + partitions * Math.max(partitionStartS, startupS);
  const hours = coreSeconds / cores / PROJECTION.efficiency / 3600;
  const cost = hours * PROJECTION.nodes * (NODE.ec2PerHour + NODE.emrPerHour);
  // A cluster started for the run is billed while it provisions and bootstraps too (EMR: several minutes).
  const costWithStart = (hours + PROJECTION.clusterStartMinutes / 60) * PROJECTION.nodes * (NODE.ec2PerHour + NODE.emrPerHour);
  const projection = {
    ...PROJECTION,
    node: NODE,
    cores,
    partitions,
    coreHours: coreSeconds / 3600,
    wallHours: hours,
    costUsd: cost,
    costWithClusterStartUsd: costWithStart,
    note: 'per-vCPU speed assumed equal to one core of the measuring machine; hyperthreaded vCPUs are usually slower',
  };
  rows.push([`projection: ${PROJECTION.notes / 1e6}M notes on ${PROJECTION.nodes} × ${NODE.type} (${cores} vCPUs)`, `${(PROJECTION.notes / (hours * 3600)).toFixed(0)} notes/s`, `${(hours * 60).toFixed(1)} min`]);
  rows.push([`… cost at on-demand $${NODE.ec2PerHour}/h EC2 + $${NODE.emrPerHour}/h EMR per node`, '', `$${cost.toFixed(2)}`]);
  rows.push([`… with ${PROJECTION.clusterStartMinutes} min of cluster start-up billed`, '', `$${costWithStart.toFixed(2)}`]);

  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${'what'.padEnd(w)} | throughput | time`);
  for (const r of rows) console.log(`${r[0].padEnd(w)} | ${r[1].padStart(10)} | ${r[2]}`);

  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg1: os.loadavg()[0] },
    corpus: { notes: notes.length, avgChars: chars / notes.length },
    runs,
    single: { samplesS: single.map((x) => x / 1000), startupSamplesS: startup.map((x) => x / 1000), medianS: singleS, startupS, perNoteMs: perNoteS * 1000 },
    spark,
    partitionStartS,
    projection,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'spark.json'), JSON.stringify(out, null, 2) + '\n');
  if (existsSync(path.join(ROOT, 'bench', 'results'))) console.log(`\nbench/results/spark.json written (${readdirSync(path.join(ROOT, 'bench', 'results')).length} result files)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
