import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { defaultModelDir } from '../../../src/core/model/defaultModel';
import { ROOT } from './fixtures';

/**
 * The editor runs the model in a worker thread (WorkerModel). onnxruntime's telemetry, which crashed a
 * process with a long command line (onnxRuntimeTelemetry.ts), reads the real environment, which a worker
 * cannot change: the thread that starts the worker must turn it off. A child process with a command line
 * of about 60 KB loads the real default model through the worker and predicts one sentence.
 */
const WORKER_SCRIPT = path.join(ROOT, 'dist', 'modelWorker.js');
const WORKER_MODEL = path.join(__dirname, '..', '..', '..', 'src', 'core', 'model', 'workerModel.js');

let tmp = '';

before(async () => {
  if (!existsSync(WORKER_SCRIPT)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-worker-'));
});
after(async () => fs.rm(tmp, { recursive: true, force: true }));

test('WorkerModel loads and predicts in a process whose command line is 60 KB long', async () => {
  // A script file, not `node -e`: the telemetry's parse stopped early on that command line and never crashed.
  const script = path.join(tmp, 'loadInWorker.js');
  await fs.writeFile(
    script,
    `
    const { WorkerModel } = require(${JSON.stringify(WORKER_MODEL)});
    (async () => {
      const model = await WorkerModel.load(${JSON.stringify(WORKER_SCRIPT)}, ${JSON.stringify(defaultModelDir(ROOT))});
      const [spans] = await model.predictBatch(['She developed a rash after starting amoxicillin.']);
      await model.dispose();
      process.stdout.write(JSON.stringify(spans));
    })();`,
  );
  const padding = Array.from({ length: 1000 }, (_, i) => `/clinic/exports/transcribed notes of the ward/note-${String(i).padStart(5, '0')}.txt`);
  assert.ok(padding.join(' ').length > 60_000);
  const r = spawnSync(process.execPath, [script, ...padding], { encoding: 'utf8', env: { ...process.env, ORT_DISABLE_TELEMETRY: undefined } });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const spans = JSON.parse(r.stdout) as { label: string; text: string }[];
  assert.ok(
    spans.some((s) => s.label === 'DRUG' && s.text === 'amoxicillin'),
    r.stdout,
  );
});
