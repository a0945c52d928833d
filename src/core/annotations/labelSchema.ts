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
 * each one in the quick pick, and the guideline definition shown in the quick pick and in hovers; the
 * relation types drawn between spans (`caused_by`) and the attributes spans carry (`assertion`).
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

/**
 * A relation type drawn between two spans, e.g. `caused_by` from an ADE to the DRUG it is attributed to.
 * Directed: `from` is the span the relation starts at (brat's Arg1, Prodigy's head).
 */
export interface RelationTypeDefinition {
  /** Also the brat relation type, hence no whitespace. */
  name: string;
  /** Labels a relation of this type may start at, and end at. */
  from: string[];
  to: string[];
  /** One character, typed in the "Link to…" quick pick. Keys of relation types are unique among themselves. */
  key: string;
  definition?: string;
}

/**
 * An attribute a span can carry, e.g. `assertion` (the i2b2 2010 assertion classes) or `severity`.
 * With `values` it takes one of them; without, any text (free-valued).
 */
export interface AttributeDefinition {
  /** Also the brat attribute type, hence no whitespace. */
  name: string;
  /** Labels whose spans carry it; absent: every label. */
  labels?: string[];
  values?: string[];
  /** The value a span has when none was set; one of `values`. */
  default?: string;
  definition?: string;
}

export interface LabelSchema {
  version: 1;
  labels: LabelDefinition[];
  /** Optional in the file (older files have neither); `parseLabelSchema` always fills both, maybe empty. */
  relations?: RelationTypeDefinition[];
  attributes?: AttributeDefinition[];
}

/** The i2b2 2010 assertion classes: whether the effect happened at all, and to whom. */
export const ASSERTION_VALUES = ['present', 'absent', 'possible', 'conditional', 'hypothetical', 'associated_with_someone_else'] as const;
export type AssertionValue = (typeof ASSERTION_VALUES)[number];
export const ASSERTION_ATTRIBUTE = 'assertion';
export const CAUSED_BY = 'caused_by';

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
  relations: [
    {
      name: CAUSED_BY,
      from: ['ADE'],
      to: ['DRUG'],
      key: 'r',
      definition: 'The note attributes this adverse effect to that drug. An effect can have several drugs, a drug several effects.',
    },
  ],
  attributes: [
    {
      name: ASSERTION_ATTRIBUTE,
      labels: ['ADE'],
      values: [...ASSERTION_VALUES],
      default: 'present',
      definition:
        'Whether the effect happened (i2b2 2010 assertion classes): present; absent (negated: "denies nausea"); possible ' +
        '(hedged: "may have caused"); conditional (only under a circumstance: "rash whenever she takes it"); hypothetical ' +
        '(a risk discussed, may happen: "watch for bleeding"); associated_with_someone_else (a family member\'s).',
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
  const labelNames = new Map(labels.map((l) => [l.name.toLowerCase(), l.name]));
  /** A list of existing label names (ignoring case, returned as the schema spells them), or a failure at `at`. */
  const labelList = (value: unknown, at: JsonPath, what: string, field: string): string[] => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
      return fail(at, `${what}: "${field}" must be a non-empty list of label names`);
    }
    return (value as string[]).map((v, k) => labelNames.get(v.toLowerCase()) ?? fail([...at, k], `${what}: "${field}" names ${JSON.stringify(v)}, which is not a label of this schema`));
  };
  const relations = parseRelationTypes(obj.relations, fail, labelList);
  const attributes = parseAttributes(obj.attributes, fail, labelList);
  return { version: LABEL_SCHEMA_VERSION, labels, relations, attributes };
}

type Fail = (path: JsonPath, problem: string) => never;
type LabelList = (value: unknown, at: JsonPath, what: string, field: string) => string[];

function parseRelationTypes(value: unknown, fail: Fail, labelList: LabelList): RelationTypeDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(['relations'], '"relations" must be an array of {"name", "from", "to", "key"}');
  const names = new Map<string, number>();
  const keys = new Map<string, number>();
  return value.map((entry: unknown, i: number): RelationTypeDefinition => {
    const at = (...rest: JsonPath): JsonPath => ['relations', i, ...rest];
    if (!isObject(entry)) return fail(at(), `relation type ${i + 1} must be an object {"name", "from", "to", "key"}`);
    const name = entry.name;
    const problem = labelNameProblem(name);
    if (typeof name !== 'string' || problem) return fail(at('name'), `relation type ${i + 1}: "name": ${problem?.replace(/BIO tag and brat type/, 'brat relation type')}`);
    const what = `relation type "${name}"`;
    if (names.has(name.toLowerCase())) fail(at('name'), `${what}: duplicate name (also relation type ${names.get(name.toLowerCase())! + 1})`);
    names.set(name.toLowerCase(), i);
    const from = labelList(entry.from, at('from'), what, 'from');
    const to = labelList(entry.to, at('to'), what, 'to');
    const key = entry.key;
    if (typeof key !== 'string' || [...key].length !== 1 || /\s/.test(key)) {
      return fail(at('key'), `${what}: "key" must be exactly one character (typed in the "Link to…" quick pick), not ${JSON.stringify(key)}`);
    }
    if (keys.has(key.toLowerCase())) fail(at('key'), `${what}: key "${key}" is already the key of relation type ${keys.get(key.toLowerCase())! + 1}`);
    keys.set(key.toLowerCase(), i);
    const out: RelationTypeDefinition = { name, from, to, key };
    if (entry.definition !== undefined) {
      if (typeof entry.definition !== 'string') fail(at('definition'), `${what}: "definition" must be a string`);
      out.definition = entry.definition as string;
    }
    return out;
  });
}

function parseAttributes(value: unknown, fail: Fail, labelList: LabelList): AttributeDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(['attributes'], '"attributes" must be an array of {"name", "values"?, "default"?, "labels"?}');
  const names = new Map<string, number>();
  return value.map((entry: unknown, i: number): AttributeDefinition => {
    const at = (...rest: JsonPath): JsonPath => ['attributes', i, ...rest];
    if (!isObject(entry)) return fail(at(), `attribute ${i + 1} must be an object {"name", "values"?, "default"?, "labels"?}`);
    const name = entry.name;
    const problem = labelNameProblem(name);
    if (typeof name !== 'string' || problem) return fail(at('name'), `attribute ${i + 1}: "name": ${problem?.replace(/BIO tag and brat type/, 'brat attribute type')}`);
    const what = `attribute "${name}"`;
    if (names.has(name.toLowerCase())) fail(at('name'), `${what}: duplicate name (also attribute ${names.get(name.toLowerCase())! + 1})`);
    names.set(name.toLowerCase(), i);
    const out: AttributeDefinition = { name };
    if (entry.labels !== undefined) out.labels = labelList(entry.labels, at('labels'), what, 'labels');
    if (entry.values !== undefined) {
      const values = entry.values;
      if (!Array.isArray(values) || values.length === 0) return fail(at('values'), `${what}: "values" must be a non-empty list (leave it out for a free-valued attribute)`);
      const seen = new Set<string>();
      values.forEach((v: unknown, k: number) => {
        // A value is written as one word in brat's `A1<TAB>name T1 value`.
        if (attributeValueProblem(v)) fail(at('values', k), `${what}: value ${JSON.stringify(v)}: ${attributeValueProblem(v)}`);
        if (seen.has(v as string)) fail(at('values', k), `${what}: value ${JSON.stringify(v)} is listed twice`);
        seen.add(v as string);
      });
      out.values = values as string[];
    }
    if (entry.default !== undefined) {
      if (typeof entry.default !== 'string' || (out.values ? !out.values.includes(entry.default) : attributeValueProblem(entry.default) !== undefined)) {
        fail(at('default'), `${what}: "default" ${JSON.stringify(entry.default)} must be ${out.values ? `one of its values (${out.values.join(', ')})` : 'a value: a non-empty string without spaces or control characters'}`);
      }
      out.default = entry.default as string;
    }
    if (entry.definition !== undefined) {
      if (typeof entry.definition !== 'string') fail(at('definition'), `${what}: "definition" must be a string`);
      out.definition = entry.definition as string;
    }
    return out;
  });
}

/**
 * Why a value cannot be an attribute value in the schema, or undefined: values are written as one word in
 * brat (`A1<TAB>assertion T1 absent`), so no whitespace or control characters.
 */
export function attributeValueProblem(v: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && /^[^\s\u0000-\u001f\u007f]{1,64}$/.test(v) ? undefined : 'a value must be 1 to 64 characters without spaces or control characters';
}

/** The attributes the schema gives spans of `label`. */
export function attributesFor(schema: LabelSchema, label: string): AttributeDefinition[] {
  return (schema.attributes ?? []).filter((a) => !a.labels || a.labels.includes(label));
}

/** The relation types that may go from a span labelled `from` to one labelled `to`. */
export function relationTypesBetween(schema: LabelSchema, from: string, to: string): RelationTypeDefinition[] {
  return (schema.relations ?? []).filter((r) => r.from.includes(from) && r.to.includes(to));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
