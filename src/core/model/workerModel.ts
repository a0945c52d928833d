import { Worker } from 'node:worker_threads';
import { InputError } from '../errors';
import { Span } from '../span';
import { BatchPredictor } from './incrementalPredictor';
import { disableOnnxRuntimeTelemetry } from './onnxRuntimeTelemetry';
import { FromWorker, LoadedModelInfo, SerializedError, ToWorker } from './modelWorkerProtocol';

function revive(e: SerializedError): Error {
  if (e.file !== undefined && e.problem !== undefined) return new InputError(e.file, e.problem, e.line);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * A model bundle loaded in a worker thread (`modelWorker.js`), so that inference never blocks the thread
 * that calls it (the extension host's). One worker per loaded model; `dispose()` ends it.
 */
export class WorkerModel implements BatchPredictor {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Span[][]) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly info: LoadedModelInfo,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.type !== 'predicted' && m.type !== 'predictFailed') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'predicted') p.resolve(m.spans);
      else p.reject(revive(m.error));
    });
    worker.on('exit', (code) => {
      this.exited = new Error(`the model worker stopped (exit code ${code})`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  /** Starts a worker from `workerScript` and loads the bundle in it; rejects with the load error. */
  static async load(workerScript: string, dir: string, expectedManifestSha256?: string): Promise<WorkerModel> {
    // The worker's onnxruntime reads the environment this thread sets (onnxRuntimeTelemetry.ts).
    disableOnnxRuntimeTelemetry();
    const worker = new Worker(workerScript);
    type Listener = Parameters<Worker['on']>[1];
    const listeners: { event: string; fn: Listener }[] = [];
    const on = (event: string, fn: Listener) => {
      listeners.push({ event, fn });
      worker.on(event, fn);
    };
    try {
      const info = await new Promise<LoadedModelInfo>((resolve, reject) => {
        on('message', (m: FromWorker) => {
          if (m.type === 'loaded') resolve(m.info);
          else if (m.type === 'loadFailed') reject(revive(m.error));
        });
        on('error', reject);
        on('exit', (code: number) => reject(new Error(`the model worker stopped while loading (exit code ${code})`)));
        worker.postMessage({ type: 'load', dir, expectedManifestSha256 } satisfies ToWorker);
      });
      // Only our own listeners: removeAllListeners() would also detach the worker's message port.
      for (const l of listeners) worker.off(l.event, l.fn);
      return new WorkerModel(worker, info);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  predictBatch(texts: string[], options: { signal?: AbortSignal } = {}): Promise<Span[][]> {
    if (this.exited) return Promise.reject(this.exited);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise<Span[][]>((resolve, reject) => {
      const onAbort = () => {
        this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
        this.pending.delete(id);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.worker.postMessage({ type: 'predict', id, texts } satisfies ToWorker);
    });
  }

  /**
   * Ends the worker. Its onnxruntime session is released first, in the worker: terminating a thread that
   * still holds a session aborts the whole process (a Napi::Error during the thread's teardown, seen when a
   * pinned model replaced the one in use). A worker that does not answer in 5 s is terminated anyway.
   */
  async dispose(): Promise<void> {
    if (!this.exited) {
      const released = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        this.worker.on('message', (m: FromWorker) => m.type === 'released' && (clearTimeout(timer), resolve()));
        this.worker.once('exit', () => (clearTimeout(timer), resolve()));
      });
      this.worker.postMessage({ type: 'release' } satisfies ToWorker);
      await released;
    }
    await this.worker.terminate();
  }
}
