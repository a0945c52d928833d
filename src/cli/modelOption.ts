import * as path from 'node:path';
import { defaultModelDir } from '../core/model/defaultModel';
import { resolveModelDir, ResolvedModel } from '../core/model/resolveModel';
import { ModelRunner } from '../core/model/runner';

/** Options shared by the commands that run a model: `--model DIR` or `--workspace DIR` (design.md precedence). */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  workspace: { type: 'string' },
  'no-context-filter': { type: 'boolean' },
} as const;

export const MODEL_USAGE = `  --model DIR       model bundle folder (model.onnx, tokenizer.json, config.json, manifest.json)
  --workspace DIR   use the model the workspace pins in .sidelight/model.lock (else the embedded default)
                    Without either: the embedded default model.
  --no-context-filter  the model's raw spans: no context post-step. By default ADEs that explicit
                    wording names next to a drug are added (allergy entries, "X caused Y", "X-induced
                    Y", "X toxicity"…: src/core/model/cuedAdes.ts), then ADEs in negated,
                    hypothetical and review-of-systems context are dropped (negation.ts)`;

export async function loadModel(values: { model?: string; workspace?: string }, options: { threads?: number } = {}): Promise<{ runner: ModelRunner; resolved: ResolvedModel }> {
  const resolved = await resolveModelDir({
    settingPath: values.model,
    workspaceDir: values.workspace ? path.resolve(values.workspace) : undefined,
    defaultDir: defaultModelDir(),
  });
  const runner = await ModelRunner.load(resolved.dir, { expectedManifestSha256: resolved.manifestSha256, threads: options.threads });
  return { runner, resolved };
}

export function describeModel(runner: ModelRunner): string {
  return `${runner.name}@${runner.version}${runner.verified ? '' : ' (unverified: no manifest.json)'}`;
}
