import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors';
import { FromWorker, LoadedModelInfo, SerializedError, ToWorker } from './modelWorkerProtocol';
import { ModelRunner } from './runner';

/**
 * The model's thread. onnxruntime-node runs a session synchronously on the calling thread, so in the
 * extension host every inference would freeze the editor; here it blocks only this worker.
 */
let runner: ModelRunner | undefined;
const running = new Map<number, AbortController>();
const port = parentPort;
if (!port) throw new Error('modelWorker must run in a worker thread');

const send = (m: FromWorker) => port.postMessage(m);

/** What the extension learns of the loaded bundle (sent once, so the panel never reads the manifest again). */
function loadedInfo(runner: ModelRunner): LoadedModelInfo {
  const metrics = runner.bundle.manifest?.metrics;
  return {
    name: runner.name,
    version: runner.version,
    labels: runner.labels,
    verified: runner.verified,
    dir: runner.dir,
    manifestSha256: runner.bundle.manifestSha256 ?? undefined,
    metrics: typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics) ? metrics : undefined,
  };
}

function serialize(e: unknown): SerializedError {
  if (e instanceof InputError) return { name: e.name, message: e.message, file: e.file, problem: e.problem, line: e.line };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'load':
      void (async () => {
        try {
          await runner?.dispose();
          runner = undefined;
          runner = await ModelRunner.load(msg.dir, { expectedManifestSha256: msg.expectedManifestSha256, batchSize: 4 });
          send({ type: 'loaded', info: loadedInfo(runner) });
        } catch (e) {
          send({ type: 'loadFailed', error: serialize(e) });
        }
      })();
      break;
    case 'predict':
      void (async () => {
        const ac = new AbortController();
        running.set(msg.id, ac);
        try {
          if (!runner) throw new Error('no model is loaded');
          const spans = await runner.predictBatch(msg.texts, { signal: ac.signal });
          send({ type: 'predicted', id: msg.id, spans });
        } catch (e) {
          send({ type: 'predictFailed', id: msg.id, error: serialize(e) });
        } finally {
          running.delete(msg.id);
        }
      })();
      break;
    case 'cancel':
      running.get(msg.id)?.abort();
      break;
    case 'release':
      void (async () => {
        for (const ac of running.values()) ac.abort();
        // Runs in flight end at their next chunk; the session is released only when none is left in it.
        while (running.size) await new Promise((r) => setTimeout(r, 10));
        try {
          await runner?.dispose();
        } finally {
          runner = undefined;
          send({ type: 'released' });
        }
      })();
      break;
  }
});
