import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  DEFAULT_LABEL_SCHEMA,
  ensureLabelSchema,
  labelSchemaPath,
  loadLabelSchema,
  parseLabelSchema,
  serializeLabelSchema,
} from '../../../src/core/annotations/labelSchema';
import { InputError } from '../../../src/core/errors';
import { withTempDir, writeFile } from './helpers';

const FILE = '/ws/.sidelight/labels.json';

function problem(raw: string): InputError {
  try {
    parseLabelSchema(raw, FILE);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.file, FILE);
    return e;
  }
  assert.fail('expected an InputError');
}

test('the default schema has ADE and DRUG with keys, colours and guideline definitions', () => {
  const parsed = parseLabelSchema(serializeLabelSchema(DEFAULT_LABEL_SCHEMA), FILE);
  assert.deepEqual(parsed.labels.map((l) => [l.name, l.key, l.color]), [['ADE', 'a', '#e5534b'], ['DRUG', 'd', '#3b82f6']]);
  assert.match(parsed.labels[0].definition, /denies nausea/);
  assert.match(parsed.labels[1].definition, /Coreg CR/);
});

test('the default schema satisfies the contributed JSON schema patterns', () => {
  const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../schemas/labels.schema.json'), 'utf8'));
  const item = schema.properties.labels.items;
  for (const label of DEFAULT_LABEL_SCHEMA.labels) {
    assert.deepEqual(Object.keys(label).sort(), [...item.required].sort());
    assert.match(label.name, new RegExp(item.properties.name.pattern));
    assert.match(label.color, new RegExp(item.properties.color.pattern));
    assert.match(label.key, new RegExp(item.properties.key.pattern));
  }
});

const good = (labels: string) => `{\n  "version": 1,\n  "labels": [\n${labels}\n  ]\n}\n`;
const ade = '    {"name": "ADE", "color": "#e5534b", "key": "a", "definition": "x"}';

test('a duplicate key is reported with the line of the second label', () => {
  const e = problem(good(`${ade},\n    {"name": "DRUG", "color": "#3b82f6", "key": "A", "definition": "y"}`));
  assert.equal(e.line, 5);
  assert.match(e.problem, /key "A" is already the key of label 1/);
});

test('a duplicate name (ignoring case) is reported', () => {
  const e = problem(good(`${ade},\n    {"name": "ade", "color": "#3b82f6", "key": "b", "definition": "y"}`));
  assert.equal(e.line, 5);
  assert.match(e.problem, /duplicate name/);
});

test('a bad colour names the label, the value and the line', () => {
  const e = problem(good(`${ade},\n    {"name": "DRUG",\n     "color": "blue", "key": "d", "definition": "y"}`));
  assert.equal(e.line, 6);
  assert.match(e.problem, /label "DRUG": "color" must be a hex colour .*"blue"/);
});

test('a key of more than one character is refused', () => {
  assert.match(problem(good('    {"name": "ADE", "color": "#e5534b", "key": "ab", "definition": "x"}')).problem, /exactly one character/);
});

test('invalid JSON gets the line of the syntax error', () => {
  const e = problem('{\n  "version": 1,\n  "labels": [\n    {"name": "ADE",}\n  ]\n}');
  assert.equal(e.line, 4);
  assert.match(e.problem, /not valid JSON/);
});

test('a schema from a newer Sidelight is refused with that reason', () => {
  assert.match(problem('{"version": 2, "labels": []}').problem, /newer Sidelight/);
});

test('ensureLabelSchema writes the default when missing and never replaces a malformed file', async () => {
  await withTempDir(async (ws) => {
    assert.equal(await loadLabelSchema(ws), undefined);
    const first = await ensureLabelSchema(ws);
    assert.equal(first.created, true);
    assert.deepEqual(JSON.parse(await fs.readFile(labelSchemaPath(ws), 'utf8')), DEFAULT_LABEL_SCHEMA);
    assert.equal((await ensureLabelSchema(ws)).created, false);

    const broken = '{"version": 1, "labels": [ {"name": "ADE"} ]}';
    await writeFile(ws, '.sidelight/labels.json', broken);
    await assert.rejects(ensureLabelSchema(ws), (e: unknown) => e instanceof InputError && /"color"/.test(e.problem));
    assert.equal(await fs.readFile(labelSchemaPath(ws), 'utf8'), broken);
  });
});
