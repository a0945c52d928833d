import { promises as fs } from 'node:fs';
import { InputError } from '../errors';
import { writeFileAtomic } from '../fs/atomicWrite';
import { isNotFound } from '../fs/notFound';
import { stripBom } from '../fs/text';
import { JsonPath, parseJsonWithLines } from './jsonPositions';
import { LABELS_FILE, workspacePath } from '../workspaceLayout';
import { labelNameProblem } from './sidecar';

/**
 * The label schema `.sidelight/labels.json`: which labels exist, how they are drawn, the key that picks
 * each one in the quick pick, and the guideline definition shown in the quick pick and in hovers.
 * `schemas/labels.schema.json` is the same contract for the editor's JSON validation.
 */

export interface LabelDefinition {
  /** Also the BIO tag suffix (`B-ADE`) and brat type, hence no whitespace. */
  name: string;
  /** `#rrggbb`. */
  color: string;
  /** One character, typed in the quick pick to choose the label. */
  key: string;
  definition: string;
}

export interface LabelSchema {
  version: 1;
  labels: LabelDefinition[];
}

export const LABEL_SCHEMA_VERSION = 1;

/** Condensed from the team's annotation guideline: what each label covers, shown in the quick pick and hovers. */
export const DEFAULT_LABEL_SCHEMA: LabelSchema = {
  version: 1,
  labels: [
    {
      name: 'ADE',
      color: '#e5534b',
      key: 'a',
      definition:
        'Adverse drug effect: an effect the same sentence or passage ties to a drug — causal wording ("caused", ' +
        '"secondary to", "induced", "due to"), an allergy or intolerance entry naming the reaction ("allergic to ' +
        'penicillin: hives"), or a drug stopped or switched because of it; hedged links count ("may have caused"). ' +
        'Not an ADE: symptoms with no link to a drug, negated symptoms ("denies nausea"), risks only discussed ' +
        '("watch for side effects"), bare words ("side effect", "allergy", "NKDA"). Span: the minimal phrase naming ' +
        'the effect, keeping severity and change words ("severe fatigue"), without determiners, hedges or trailing ' +
        'punctuation; "X-induced Y": Y is the ADE; "X toxicity": "toxicity" is the ADE; one span per coordinated effect.',
    },
    {
      name: 'DRUG',
      color: '#3b82f6',
      key: 'd',
      definition:
        'A medication: every brand or generic mention, negated or past ones too, in lists and in prose; supplements ' +
        'named as medications (multivitamin, iron, fish oil); formulation suffixes belong to the name ("Coreg CR"), ' +
        'dose, strength, route and frequency do not. Drug classes (sulfa, steroids, contrast) only where they cause ' +
        'an ADE in the note. Not DRUG: alcohol, tobacco, recreational drugs, oxygen, saline, IV fluids, blood products, ' +
        'agents named only as a diagnostic test, drug words inside disease names ("insulin-dependent").',
    },
  ],
};

export function labelSchemaPath(workspaceDir: string): string {
  return workspacePath(workspaceDir, LABELS_FILE);
}

/** Parses and validates a labels file; every problem is an InputError naming the file, line and problem. */
export function parseLabelSchema(raw: string, file: string): LabelSchema {
  const { data, fail } = parseJsonWithLines(raw, file);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail([], 'the label schema must be an object {"version": 1, "labels": [...]}');
  }
  const obj = data as Record<string, unknown>;
  if (obj.version !== LABEL_SCHEMA_VERSION) {
    return fail(['version'], typeof obj.version === 'number' && obj.version > LABEL_SCHEMA_VERSION
      ? `"version" ${obj.version} was written by a newer Sidelight; this one reads version ${LABEL_SCHEMA_VERSION}`
      : `"version" must be ${LABEL_SCHEMA_VERSION}`);
  }
  if (!Array.isArray(obj.labels) || obj.labels.length === 0) return fail(['labels'], '"labels" must be a non-empty array');
  const names = new Map<string, number>();
  const keys = new Map<string, number>();
  const labels = obj.labels.map((entry: unknown, i: number): LabelDefinition => {
    const at = (...rest: JsonPath): JsonPath => ['labels', i, ...rest];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return fail(at(), `label ${i + 1} must be an object {"name", "color", "key", "definition"}`);
    }
    const e = entry as Record<string, unknown>;
    const name = e.name;
    const problem = labelNameProblem(name);
    if (typeof name !== 'string' || problem) return fail(at('name'), `label ${i + 1}: "name": ${problem}`);
    const what = `label "${name}"`;
    if (names.has(name.toLowerCase())) {
      fail(at('name'), `${what}: duplicate name (also label ${names.get(name.toLowerCase())! + 1}; names are compared ignoring case)`);
    }
    names.set(name.toLowerCase(), i);
    if (typeof e.color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(e.color)) {
      fail(at('color'), `${what}: "color" must be a hex colour like "#e5534b", not ${JSON.stringify(e.color)}`);
    }
    const key = e.key;
    if (typeof key !== 'string' || [...key].length !== 1 || /\s/.test(key)) {
      return fail(at('key'), `${what}: "key" must be exactly one character (typed in the quick pick), not ${JSON.stringify(key)}`);
    }
    if (keys.has(key.toLowerCase())) {
      fail(at('key'), `${what}: key "${key}" is already the key of label ${keys.get(key.toLowerCase())! + 1} (keys are compared ignoring case)`);
    }
    keys.set(key.toLowerCase(), i);
    if (typeof e.definition !== 'string') fail(at('definition'), `${what}: "definition" must be a string (the guideline text)`);
    return { name, color: (e.color as string).toLowerCase(), key, definition: e.definition as string };
  });
  return { version: LABEL_SCHEMA_VERSION, labels };
}

/** Reads `.sidelight/labels.json`; undefined when there is none. Throws InputError when it is malformed. */
export async function loadLabelSchema(workspaceDir: string): Promise<LabelSchema | undefined> {
  const file = labelSchemaPath(workspaceDir);
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new InputError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseLabelSchema(stripBom(raw), file);
}

export function serializeLabelSchema(schema: LabelSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/**
 * Returns the workspace's schema, writing the default first when there is none (first use). A malformed
 * file is never replaced: the InputError propagates and the file stays for the user to fix.
 */
export async function ensureLabelSchema(workspaceDir: string): Promise<{ schema: LabelSchema; created: boolean }> {
  const existing = await loadLabelSchema(workspaceDir);
  if (existing) return { schema: existing, created: false };
  await writeFileAtomic(labelSchemaPath(workspaceDir), serializeLabelSchema(DEFAULT_LABEL_SCHEMA));
  return { schema: DEFAULT_LABEL_SCHEMA, created: true };
}
