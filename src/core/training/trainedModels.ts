import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isObject } from '../jsonObject';
import type { LabelComparison } from './compareModels';

/** A bundle `sidelight train` wrote into the workspace, with the comparison it was judged by. */
export interface TrainedModel {
  name: string;
  version: string;
  dir: string;
  /** From the manifest (ISO time), else the folder's time. */
  createdAt: string;
  trainNotes: number;
  heldOutNotes: number;
  /** The model it was compared with, `name@version`. */
  comparedWith: string;
  rows: LabelComparison[];
}

/**
 * The trained bundles under `<workspace>/.sidelight/models/<name>/<version>/`, newest first: those whose
 * manifest.json carries an `evaluation` (pulled bundles without one are not trained here). A manifest that
 * cannot be read is skipped: the model service reports a broken bundle when it is used.
 */
export async function listTrainedModels(workspaceDir: string): Promise<TrainedModel[]> {
  const root = path.join(workspaceDir, '.sidelight', 'models');
  const out: TrainedModel[] = [];
  for (const name of await dirNames(root)) {
    for (const version of await dirNames(path.join(root, name))) {
      const dir = path.join(root, name, version);
      const file = path.join(dir, 'manifest.json');
      try {
        const [raw, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
        const model = trainedModelOf(JSON.parse(raw), dir, st.mtime.toISOString());
        if (model && model.name === name && model.version === version) out.push(model);
      } catch {
        // no manifest, or not JSON: not a trained bundle we can show
      }
    }
  }
  return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** The trained-model facts of a parsed manifest, or undefined when it has no evaluation. */
export function trainedModelOf(manifest: unknown, dir: string, fallbackTime: string): TrainedModel | undefined {
  if (!isObject(manifest) || typeof manifest.name !== 'string' || typeof manifest.version !== 'string') return undefined;
  const evaluation = manifest.evaluation;
  if (!isObject(evaluation) || !Array.isArray(evaluation.labels)) return undefined;
  const training = isObject(manifest.training) ? manifest.training : {};
  return {
    name: manifest.name,
    version: manifest.version,
    dir,
    createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : fallbackTime,
    trainNotes: Array.isArray(training.notes) ? training.notes.length : 0,
    heldOutNotes: typeof evaluation.heldOutNotes === 'number' ? evaluation.heldOutNotes : 0,
    comparedWith: typeof evaluation.comparedWith === 'string' ? evaluation.comparedWith : 'the previous model',
    rows: evaluation.labels.filter(isComparisonRow),
  };
}

function isComparisonRow(v: unknown): v is LabelComparison {
  const f1 = (x: unknown) => isObject(x) && typeof x.f1 === 'number' && typeof x.low === 'number' && typeof x.high === 'number';
  return isObject(v) && typeof v.label === 'string' && (v.mode === 'strict' || v.mode === 'lenient') && typeof v.gold === 'number' && f1(v.old) && f1(v.new) && typeof v.newBetter === 'number';
}

async function dirNames(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}
