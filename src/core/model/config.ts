import { InputError } from '../errors';

/**
 * `config.json` of a bundle (docs/model-bundle.md), parsed and checked. A Hugging Face Optimum export's
 * `BertConfig` form loads as it is: everything but `id2label` has a default.
 */
export type Aggregation = 'first' | 'max' | 'average';

export interface CharIdsInput {
  type: 'char_ids';
  maxWordLength: number;
  /** Code point → id (index in `alphabet` + 2). */
  alphabet: Map<number, number>;
  padId: number;
  unkId: number;
}

export type Decoder =
  | { type: 'argmax' }
  | { type: 'crf'; transitions: Float64Array; startTransitions: Float64Array; endTransitions: Float64Array };

export interface ModelConfig {
  /** Tag names by id, e.g. `['O', 'B-ADE', 'I-ADE', …]`. */
  id2label: string[];
  /** Entity labels in order of first appearance (`ADE`, `DRUG`). */
  labels: string[];
  /** Tokens per window, special tokens included. */
  maxLength: number;
  /** Tokens shared by consecutive windows. */
  stride: number;
  aggregation: Aggregation;
  /** false: never pad a batch (the model is not pad-invariant). */
  padding: boolean;
  inputs: Record<string, CharIdsInput>;
  decoder: Decoder;
}

type Json = Record<string, unknown>;

function positiveInt(v: unknown, file: string, key: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new InputError(file, `"${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function numberMatrix(v: unknown, rows: number, cols: number, file: string, key: string): Float64Array {
  const out = new Float64Array(rows * cols);
  const ok =
    Array.isArray(v) &&
    v.length === rows &&
    v.every((r, i) => {
      const row = cols === 1 && rows > 0 && !Array.isArray(r) ? [r] : r;
      if (!Array.isArray(row) || row.length !== cols || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) return false;
      out.set(row as number[], i * cols);
      return true;
    });
  if (!ok) throw new InputError(file, `decoder "${key}" must be ${cols === 1 ? `a list of ${rows} numbers` : `a ${rows} x ${cols} matrix of numbers`} (one per label)`);
  return out;
}

export function parseConfig(json: unknown, file: string): ModelConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError(file, 'must be a JSON object');
  const c = json as Json;

  if (c.id2label === undefined || c.id2label === null || typeof c.id2label !== 'object') {
    throw new InputError(file, 'has no "id2label" (the tag names of the model outputs, e.g. {"0": "O", "1": "B-ADE", …})');
  }
  const entries = Object.entries(c.id2label as Record<string, unknown>);
  const id2label: string[] = new Array(entries.length);
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof v !== 'string' || id2label[i] !== undefined) {
      throw new InputError(file, `"id2label" must map the ids 0…${entries.length - 1} to tag names; bad entry ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    }
    id2label[i] = v;
  }
  if (id2label.length === 0) throw new InputError(file, '"id2label" is empty');
  const labels: string[] = [];
  for (const tag of id2label) {
    const m = /^([BI])-(.+)$/.exec(tag);
    if (!m && tag !== 'O') throw new InputError(file, `"id2label" tag ${JSON.stringify(tag)} is not BIO/IOB2 ("O", "B-<label>" or "I-<label>")`);
    if (m && !labels.includes(m[2])) labels.push(m[2]);
  }

  const maxLength = positiveInt(c.max_length, file, 'max_length') ?? positiveInt(c.max_position_embeddings, file, 'max_position_embeddings') ?? 512;
  const stride = c.stride === 0 ? 0 : (positiveInt(c.stride, file, 'stride') ?? Math.floor(maxLength / 4));
  if (stride >= maxLength) throw new InputError(file, `"stride" (${stride}) must be smaller than "max_length" (${maxLength})`);

  const aggregation = (c.aggregation ?? 'first') as Aggregation;
  if (!['first', 'max', 'average'].includes(aggregation)) throw new InputError(file, `"aggregation" must be first, max or average, got ${JSON.stringify(c.aggregation)}`);
  if (c.padding !== undefined && typeof c.padding !== 'boolean') throw new InputError(file, '"padding" must be true or false');

  const inputs: Record<string, CharIdsInput> = {};
  for (const [name, spec] of Object.entries((c.inputs ?? {}) as Record<string, Json>)) {
    if (spec?.type !== 'char_ids') throw new InputError(file, `input "${name}": unsupported type ${JSON.stringify(spec?.type)} (supported: char_ids)`);
    if (typeof spec.alphabet !== 'string') throw new InputError(file, `input "${name}": "alphabet" must be a string`);
    const alphabet = new Map<number, number>();
    [...spec.alphabet].forEach((ch, i) => alphabet.set(ch.codePointAt(0) as number, i + 2));
    inputs[name] = {
      type: 'char_ids',
      maxWordLength: positiveInt(spec.max_word_length, file, `inputs.${name}.max_word_length`) ?? 20,
      alphabet,
      padId: typeof spec.pad_id === 'number' ? spec.pad_id : 0,
      unkId: typeof spec.unk_id === 'number' ? spec.unk_id : 1,
    };
  }

  const d = (c.decoder ?? { type: 'argmax' }) as Json;
  let decoder: Decoder;
  const n = id2label.length;
  if (d.type === 'argmax') decoder = { type: 'argmax' };
  else if (d.type === 'crf') {
    decoder = {
      type: 'crf',
      transitions: numberMatrix(d.transitions, n, n, file, 'transitions'),
      startTransitions: numberMatrix(d.start_transitions, n, 1, file, 'start_transitions'),
      endTransitions: numberMatrix(d.end_transitions, n, 1, file, 'end_transitions'),
    };
  } else throw new InputError(file, `unsupported decoder type ${JSON.stringify(d.type)} (supported: argmax, crf)`);

  return { id2label, labels, maxLength, stride, aggregation, padding: c.padding !== false, inputs, decoder };
}
