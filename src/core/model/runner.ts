import * as ort from 'onnxruntime-node';
import { InputError } from '../errors';
import { Span } from '../span';
import { LoadedBundle, loadBundle } from './bundle';
import { fillCharIds } from './charIds';
import { ModelConfig } from './config';
import { applyContextRules } from './contextRules';
import { decodeNote } from './decode';
import { disableOnnxRuntimeTelemetry } from './onnxRuntimeTelemetry';
import { Encoding, Tokenizer } from './tokenizer';
import { assignTokensToWindows, planWindows, Window } from './windows';

export interface PredictOptions {
  /** Checked between batches: an aborted signal rejects with its reason (an `AbortError`). */
  signal?: AbortSignal;
  /** Spans scoring below it are dropped. */
  threshold?: number;
  /** Called after each batch with windows done / total (for progress bars). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Apply the context post-step (contextRules.ts): add the ADEs that explicit wording names next to a drug
   * (cuedAdes.ts), then drop ADE predictions that their context rules out — negated, hypothetical, review
   * of systems (negation.ts). Both are documented post-steps of the annotation guideline. Default true.
   */
  contextFilter?: boolean;
}

export interface LoadOptions {
  /** Windows per `session.run` (default 8). */
  batchSize?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /** From `.sidelight/model.lock`: the sha256 `manifest.json` must have. */
  expectedManifestSha256?: string;
}

/** One note prepared for the model: its tokens (no special tokens), windows, and which window each token reads. */
interface NotePlan {
  text: string;
  enc: Encoding;
  windows: Window[];
  owner: Int32Array;
}

interface WindowRef {
  note: number;
  window: number;
  length: number;
}

/** Inputs ready for `session.run`, with the windows they hold (for benchmarks: `sessionRun` on the same feeds). */
export interface PreparedBatch {
  feeds: Record<string, ort.Tensor>;
  refs: WindowRef[];
  seqLength: number;
}

const STANDARD_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

function tensorType(session: ort.InferenceSession, name: string): 'int64' | 'int32' {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta && meta.isTensor && meta.type === 'int32' ? 'int32' : 'int64';
}

/**
 * Runs a token-classification bundle on text: tokenize with offsets, cut into windows, batch, run, merge the
 * windows, decode into spans. One instance per loaded bundle; call `dispose()` to free the session.
 */
export class ModelRunner {
  readonly name: string;
  readonly version: string;
  readonly verified: boolean;
  /** Entity labels the model predicts (`ADE`, `DRUG`). */
  readonly labels: string[];
  readonly dir: string;
  readonly bundle: LoadedBundle;
  /** The session's input names, as the model declares them (e.g. with or without `token_type_ids`). */
  readonly inputNames: readonly string[];
  private readonly config: ModelConfig;
  private readonly tokenizer: Tokenizer;
  private readonly outputName: string;
  private readonly inputTypes: Map<string, 'int64' | 'int32'>;
  private readonly batchSize: number;

  private constructor(
    bundle: LoadedBundle,
    private readonly session: ort.InferenceSession,
    outputName: string,
    batchSize: number,
  ) {
    this.bundle = bundle;
    this.name = bundle.name;
    this.version = bundle.version;
    this.verified = bundle.verified;
    this.dir = bundle.dir;
    this.config = bundle.config;
    this.labels = bundle.config.labels;
    this.tokenizer = bundle.tokenizer;
    this.outputName = outputName;
    this.batchSize = batchSize;
    this.inputNames = [...session.inputNames];
    this.inputTypes = new Map(session.inputNames.map((n) => [n, tensorType(session, n)]));
  }

  /** Loads, verifies (manifest.json) and checks a bundle; errors are `InputError`s naming the file. */
  static async load(dir: string, options: LoadOptions = {}): Promise<ModelRunner> {
    const bundle = await loadBundle(dir, { expectedManifestSha256: options.expectedManifestSha256 });
    disableOnnxRuntimeTelemetry();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bundle.modelBytes, {
        graphOptimizationLevel: 'all',
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (e) {
      throw new InputError(bundle.modelFile, `is not a model onnxruntime can load (${(e as Error).message.split('\n')[0]})`);
    }
    try {
      const names = session.inputNames;
      if (!names.includes('input_ids')) throw new InputError(bundle.modelFile, `has no "input_ids" input (inputs: ${names.join(', ')})`);
      for (const n of names) {
        if (!STANDARD_INPUTS.has(n) && !bundle.config.inputs[n]) {
          throw new InputError(bundle.modelFile, `needs the input "${n}", which ${bundle.configFile} does not declare under "inputs"`);
        }
      }
      const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames.length === 1 ? session.outputNames[0] : undefined;
      if (!outputName) throw new InputError(bundle.modelFile, `has several outputs and none is named "logits" (${session.outputNames.join(', ')})`);
      const runner = new ModelRunner(bundle, session, outputName, Math.max(1, options.batchSize ?? 8));
      await runner.checkLabelCount();
      return runner;
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  /**
   * The output's last dimension must equal the number of tags in `id2label`. The graph's declared shape
   * may be symbolic, so one tiny real run settles it (and warms the session up for the first note).
   */
  private async checkLabelCount(): Promise<void> {
    const L = this.config.id2label.length;
    const plan = this.plan('a');
    const [batch] = this.prepareBatches([plan]);
    const out = (await this.session.run(batch.feeds))[this.outputName];
    const dims = out.dims;
    const got = dims[dims.length - 1];
    if (dims.length !== 3 || got !== L) {
      throw new InputError(
        this.bundle.configFile,
        `"id2label" has ${L} tags but model.onnx's output "${this.outputName}" has shape [${dims.join(', ')}] (expected [batch, sequence, ${L}])`,
      );
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  async predict(text: string, options: PredictOptions = {}): Promise<Span[]> {
    return (await this.predictBatch([text], options))[0];
  }

  /** Predicts several notes, batching windows across them. */
  async predictBatch(texts: string[], options: PredictOptions = {}): Promise<Span[][]> {
    options.signal?.throwIfAborted();
    const plans = texts.map((t) => this.plan(t));
    const L = this.config.id2label.length;
    const merged = plans.map((p) => new Float32Array(p.enc.ids.length * L));
    const batches = this.prepareBatches(plans);
    const total = batches.reduce((s, b) => s + b.refs.length, 0);
    let done = 0;
    for (const batch of batches) {
      options.signal?.throwIfAborted();
      const logits = (await this.sessionRun(batch)).data as Float32Array;
      const prefix = this.tokenizer.specialTokens.prefix.length;
      batch.refs.forEach((ref, b) => {
        const plan = plans[ref.note];
        const w = plan.windows[ref.window];
        const target = merged[ref.note];
        for (let i = w.start; i < w.end; i++) {
          if (plan.owner[i] !== ref.window) continue;
          const row = (b * batch.seqLength + prefix + (i - w.start)) * L;
          target.set(logits.subarray(row, row + L), i * L);
        }
      });
      done += batch.refs.length;
      options.onProgress?.(done, total);
    }
    options.signal?.throwIfAborted();
    const threshold = options.threshold ?? 0;
    return plans.map((p, k) => {
      const spans = decodeNote(p.text, p.enc.offsets, p.enc.wordIds, merged[k], this.config.id2label, this.config.aggregation, this.config.decoder).filter(
        (s) => (s.score ?? 0) >= threshold,
      );
      return options.contextFilter === false ? spans : applyContextRules(p.text, spans);
    });
  }

  /** Runs one prepared batch and returns its logits `[batch, sequence, labels]` (public for the benchmark). */
  async sessionRun(batch: PreparedBatch): Promise<ort.Tensor> {
    const out = await this.session.run(batch.feeds);
    return out[this.outputName];
  }

  /** Tokenizes and plans the windows of one note. */
  private plan(text: string): NotePlan {
    const enc = this.tokenizer.encode(text, { addSpecialTokens: false });
    const specials = this.tokenizer.specialTokens.prefix.length + this.tokenizer.specialTokens.suffix.length;
    const size = Math.max(1, this.config.maxLength - specials);
    const stride = Math.min(this.config.stride, size - 1);
    const windows = planWindows(enc.wordIds, size, stride);
    return { text, enc, windows, owner: assignTokensToWindows(enc.wordIds, windows) };
  }

  /**
   * Groups windows into batches. A `padding: false` model only ever gets batches of windows of one length
   * (windows of a long note all have the same length, see windows.ts); others are padded to the longest.
   */
  prepareBatchesFor(texts: string[]): PreparedBatch[] {
    return this.prepareBatches(texts.map((t) => this.plan(t)));
  }

  private prepareBatches(plans: NotePlan[]): PreparedBatch[] {
    const specials = this.tokenizer.specialTokens.prefix.length + this.tokenizer.specialTokens.suffix.length;
    const refs: WindowRef[] = [];
    plans.forEach((p, note) => {
      // A note without tokens (empty or blank) has nothing to run.
      if (p.enc.ids.length > 0) p.windows.forEach((w, window) => refs.push({ note, window, length: w.end - w.start + specials }));
    });
    const groups: WindowRef[][] = [];
    if (this.config.padding) {
      // Sorting by length keeps padding small when notes of different lengths share a batch.
      const sorted = [...refs].sort((a, b) => a.length - b.length);
      for (let i = 0; i < sorted.length; i += this.batchSize) groups.push(sorted.slice(i, i + this.batchSize));
    } else {
      const byLength = new Map<number, WindowRef[]>();
      for (const r of refs) {
        const same = byLength.get(r.length);
        if (same) same.push(r);
        else byLength.set(r.length, [r]);
      }
      for (const same of byLength.values()) for (let i = 0; i < same.length; i += this.batchSize) groups.push(same.slice(i, i + this.batchSize));
    }
    return groups.map((g) => this.buildFeeds(plans, g));
  }

  private buildFeeds(plans: NotePlan[], refs: WindowRef[]): PreparedBatch {
    const B = refs.length;
    const T = Math.max(...refs.map((r) => r.length));
    const { prefix, suffix } = this.tokenizer.specialTokens;
    const ids = new Int32Array(B * T).fill(this.tokenizer.padId);
    const mask = new Int32Array(B * T);
    const charInputs = Object.entries(this.config.inputs).filter(([name]) => this.inputTypes.has(name));
    const chars = charInputs.map(([, spec]) => new Int32Array(B * T * spec.maxWordLength).fill(spec.padId));
    refs.forEach((ref, b) => {
      const plan = plans[ref.note];
      const w = plan.windows[ref.window];
      let t = b * T;
      for (const id of prefix) {
        ids[t] = id;
        mask[t++] = 1;
      }
      for (let i = w.start; i < w.end; i++, t++) {
        ids[t] = plan.enc.ids[i];
        mask[t] = 1;
        for (let k = 0; k < charInputs.length; k++) fillCharIds(chars[k], t, charInputs[k][1], plan.text, plan.enc.offsets[i]);
      }
      for (const id of suffix) {
        ids[t] = id;
        mask[t++] = 1;
      }
    });
    const feeds: Record<string, ort.Tensor> = {};
    const tensor = (name: string, data: Int32Array, dims: number[]): ort.Tensor =>
      this.inputTypes.get(name) === 'int32' ? new ort.Tensor('int32', data, dims) : new ort.Tensor('int64', toInt64(data), dims);
    if (this.inputTypes.has('input_ids')) feeds.input_ids = tensor('input_ids', ids, [B, T]);
    if (this.inputTypes.has('attention_mask')) feeds.attention_mask = tensor('attention_mask', mask, [B, T]);
    if (this.inputTypes.has('token_type_ids')) feeds.token_type_ids = tensor('token_type_ids', new Int32Array(B * T), [B, T]);
    charInputs.forEach(([name, spec], k) => (feeds[name] = tensor(name, chars[k], [B, T, spec.maxWordLength])));
    return { feeds, refs, seqLength: T };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * int32 → int64 without a `BigInt()` per element (which costs more than the model on long notes): write the
 * low and sign words through an Int32Array view of the int64 buffer.
 */
function toInt64(src: Int32Array): BigInt64Array {
  const out = new BigInt64Array(src.length);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]);
    return out;
  }
  const view = new Int32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    view[2 * i] = src[i];
    view[2 * i + 1] = src[i] < 0 ? -1 : 0;
  }
  return out;
}
