/**
 * Sync benchmark (issue 7): ours versus `/usr/bin/aws s3 sync` and `rclone sync`, side by side in one run
 * against the same local S3 server (moto), each as a whole CLI process: 1,000 annotation sidecars plus a
 * large model file; the first upload, a sync with nothing changed, and one with 10 changed sidecars.
 * Each tool syncs its own copy of the workspace to its own prefix. Also measures our no-change sync
 * in-process (goal ≤ 0.3 s).
 *
 * "Ours" is the shipped CLI (`dist/cli.js`), as a team's CI job would run it: `sidelight sync` for the
 * annotations, then `sidelight model push` for the bundle — two processes, timed together. The peers
 * sync the payload folder
 * (`annotations/…`, `models/…`) as plain files: they do no merging, no conditional writes and no
 * verification, so they are a floor for transfer cost rather than equivalent tools.
 *
 * Run: `npm run bench:sync -- [modelMB=200] [runs=3]` (builds dist/ and out/ first);
 * writes bench/results/sync.json. Needs `apt-get install awscli rclone` for the peers (skipped if missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from '../src/core/fs/sha256';
import { S3Remote } from '../src/core/sync/s3Remote';
import { SyncEngine } from '../src/core/sync/syncEngine';
import { startMoto } from '../test/harness/moto';

const NOTES = 1000;

function sidecarJson(i: number, rev: number): string {
  const spans = Array.from({ length: 12 }, (_, k) => ({
    id: `n${i}-s${k}`,
    label: k % 3 ? 'ADE' : 'DRUG',
    fragments: [[k * 40, k * 40 + 12]],
    quote: `…the patient reported nausea and dizziness after the dose (rev ${rev})…`,
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'bench',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  }));
  return JSON.stringify({ schemaVersion: 1, noteSha256: sha256Hex(`note ${i}`), done: false, spans }, null, 2);
}

/** A workspace in our layout, and a payload folder in the remote layout for the peers. */
async function makeWorkspace(root: string, model: Buffer): Promise<{ ws: string; payload: string }> {
  const ws = path.join(root, 'ws');
  const payload = path.join(root, 'payload');
  for (let i = 0; i < NOTES; i++) {
    const rel = `notes/d${i % 20}/note${i}.txt.json`;
    for (const f of [path.join(ws, '.sidelight/annotations', rel), path.join(payload, 'annotations', rel)]) {
      await fs.mkdir(path.dirname(f), { recursive: true });
      await fs.writeFile(f, sidecarJson(i, 0));
    }
  }
  const files = { 'model.onnx': model, 'config.json': Buffer.from('{"id2label":{"0":"O"}}'), 'tokenizer.json': Buffer.from('{}') };
  const manifest = {
    name: 'ade',
    version: '1.0.0',
    files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, { sha256: sha256Hex(b), size: b.length }])),
  };
  for (const dir of [path.join(ws, 'bundle'), path.join(payload, 'models/ade/1.0.0')]) {
    await fs.mkdir(dir, { recursive: true });
    for (const [f, b] of Object.entries(files)) await fs.writeFile(path.join(dir, f), b);
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  }
  return { ws, payload };
}

async function change10(root: string, rev: number): Promise<void> {
  for (let k = 0; k < 10; k++) {
    const i = (rev * 37 + k * 101) % NOTES;
    const rel = `notes/d${i % 20}/note${i}.txt.json`;
    for (const f of [path.join(root, 'ws/.sidelight/annotations', rel), path.join(root, 'payload/annotations', rel)]) await fs.writeFile(f, sidecarJson(i, rev));
  }
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString().slice(-2000)}`);
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const modelMB = Number(process.argv[2] ?? 200);
  const runs = Number(process.argv[3] ?? 3);
  const moto = await startMoto('bench');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-syncbench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL_S3: moto.endpoint, AWS_ENDPOINT_URL: moto.endpoint, AWS_PAGER: '' };
  delete env.AWS_CA_BUNDLE;
  const rcloneEnv: NodeJS.ProcessEnv = {
    ...env,
    RCLONE_CONFIG_MOTO_TYPE: 's3',
    RCLONE_CONFIG_MOTO_PROVIDER: 'Other',
    RCLONE_CONFIG_MOTO_ENDPOINT: moto.endpoint,
    RCLONE_CONFIG_MOTO_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    RCLONE_CONFIG_MOTO_REGION: 'us-east-1',
    RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE: 'true',
  };
  const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
  type Tool = { name: string; available: boolean; run: (root: string, prefix: string) => number };
  const tools: Tool[] = [
    {
      name: 'sidelight',
      available: true,
      run: (root, prefix) =>
        timed(process.execPath, [cli, 'sync', '--workspace', path.join(root, 'ws'), '--remote', `s3://bench/${prefix}`], env) +
        timed(process.execPath, [cli, 'model', 'push', path.join(root, 'ws', 'bundle'), '--remote', `s3://bench/${prefix}`], env),
    },
    {
      name: 'aws s3 sync',
      available: existsSync('/usr/bin/aws'),
      run: (root, prefix) => timed('/usr/bin/aws', ['--endpoint-url', moto.endpoint, 's3', 'sync', '--only-show-errors', path.join(root, 'payload'), `s3://bench/${prefix}`], env),
    },
    {
      name: 'rclone sync',
      available: existsSync('/usr/bin/rclone') || !!which('rclone'),
      run: (root, prefix) => timed(which('rclone') ?? '/usr/bin/rclone', ['sync', '--s3-no-head', '--transfers', '16', '--checkers', '16', path.join(root, 'payload'), `moto:bench/${prefix}`], rcloneEnv),
    },
  ];
  const model = randomBytes(modelMB * 1024 * 1024);
  const results: Record<string, Record<string, number[]>> = {};
  let inProcess: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      for (const tool of tools.filter((t) => t.available)) {
        const root = path.join(tmp, `${tool.name.replace(/\W+/g, '-')}-${run}`);
        const { ws } = await makeWorkspace(root, model);
        const prefix = `${tool.name.replace(/\W+/g, '-')}-${run}`;
        const r = (results[tool.name] ??= { first: [], noChange: [], changed10: [] });
        r.first.push(tool.run(root, prefix));
        r.noChange.push(tool.run(root, prefix));
        await change10(root, run + 1);
        r.changed10.push(tool.run(root, prefix));
        if (tool.name === 'sidelight') {
          const remote = new S3Remote(`s3://bench/${prefix}`, { endpoint: moto.endpoint });
          const engine = new SyncEngine();
          await engine.sync({ workspaceDir: ws, remote, pullNotes: false }); // settle the mtime cache
          const t: number[] = [];
          for (let k = 0; k < 5; k++) {
            const t0 = process.hrtime.bigint();
            await engine.sync({ workspaceDir: ws, remote, pullNotes: false });
            t.push(Number(process.hrtime.bigint() - t0) / 1e9);
          }
          inProcess = inProcess.concat(t);
          remote.close();
        }
        await fs.rm(root, { recursive: true, force: true });
        console.error(`run ${run + 1}/${runs} ${tool.name}: first ${r.first.at(-1)!.toFixed(2)} s, no change ${r.noChange.at(-1)!.toFixed(2)} s, 10 changed ${r.changed10.at(-1)!.toFixed(2)} s`);
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    await moto.stop();
  }
  const ours = results.sidelight;
  const table: Record<string, Record<string, string>> = {};
  for (const [name, r] of Object.entries(results)) {
    table[name] = {};
    for (const k of ['first', 'noChange', 'changed10']) {
      const m = median(r[k]);
      table[name][k] = name === 'sidelight' ? `${m.toFixed(2)} s` : `${m.toFixed(2)} s (ours ×${(median(ours[k]) / m).toFixed(2)})`;
    }
  }
  console.table(table);
  console.log(`sidelight no-change sync in-process: median ${(median(inProcess) * 1000).toFixed(0)} ms (goal ≤ 300 ms)`);
  const out = {
    date: new Date().toISOString(),
    notes: NOTES,
    modelMB,
    runs,
    medianSeconds: Object.fromEntries(Object.entries(results).map(([n, r]) => [n, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]))])),
    inProcessNoChangeMs: median(inProcess) * 1000,
    peers: tools.map((t) => ({ name: t.name, available: t.available, version: t.available ? version(t.name) : undefined })),
  };
  await fs.mkdir(path.join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  await fs.writeFile(path.join(__dirname, '..', '..', 'bench', 'results', 'sync.json'), JSON.stringify(out, null, 2) + '\n');
}

function which(cmd: string): string | undefined {
  try {
    return execFileSync('which', [cmd], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function version(name: string): string | undefined {
  try {
    if (name.startsWith('aws')) return execFileSync('/usr/bin/aws', ['--version'], { encoding: 'utf8' }).trim();
    if (name.startsWith('rclone')) return execFileSync(which('rclone')!, ['version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return undefined;
  }
  return 'this tree';
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
