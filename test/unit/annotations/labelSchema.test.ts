import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  ASSERTION_VALUES,
  attributesFor,
  DEFAULT_LABEL_SCHEMA,
  ensureLabelSchema,
  labelSchemaPath,
  loadLabelSchema,
  parseLabelSchema,
  relationTypesBetween,
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

test('the default schema has the caused_by relation (ADE to DRUG) and the assertion attribute on ADE', () => {
  const parsed = parseLabelSchema(serializeLabelSchema(DEFAULT_LABEL_SCHEMA), FILE);
  assert.deepEqual(parsed.relations?.map((r) => [r.name, r.from, r.to, r.key]), [['caused_by', ['ADE'], ['DRUG'], 'r']]);
  assert.deepEqual(relationTypesBetween(parsed, 'ADE', 'DRUG').map((r) => r.name), ['caused_by']);
  assert.deepEqual(relationTypesBetween(parsed, 'DRUG', 'ADE'), []);
  const [assertion] = attributesFor(parsed, 'ADE');
  assert.equal(assertion.name, 'assertion');
  assert.deepEqual(assertion.values, [...ASSERTION_VALUES]);
  assert.equal(assertion.default, 'present');
  assert.deepEqual(attributesFor(parsed, 'DRUG'), []);
});

test('the default relations and attributes satisfy the contributed JSON schema', () => {
  const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../schemas/labels.schema.json'), 'utf8'));
  for (const [field, list] of [['relations', DEFAULT_LABEL_SCHEMA.relations!], ['attributes', DEFAULT_LABEL_SCHEMA.attributes!]] as const) {
    const item = schema.properties[field].items;
    for (const entry of list) {
      for (const key of item.required) assert.ok(key in entry, `${field}: ${key}`);
      for (const key of Object.keys(entry)) assert.ok(key in item.properties, `${field}: ${key} is not in the JSON schema`);
      assert.match(entry.name, new RegExp(item.properties.name.pattern));
    }
  }
});

const withExtras = (extras: string) => `{\n  "version": 1,\n  "labels": [\n${ade},\n    {"name": "DRUG", "color": "#3b82f6", "key": "d", "definition": "y"}\n  ],\n${extras}\n}\n`;

test('an older labels.json without relations or attributes still loads, with none', () => {
  const parsed = parseLabelSchema(good(ade), FILE);
  assert.deepEqual(parsed.relations, []);
  assert.deepEqual(parsed.attributes, []);
});

test('relation types and attributes (fixed and free-valued) are read, label names matched ignoring case', () => {
  const parsed = parseLabelSchema(
    withExtras(
      '  "relations": [{"name": "caused_by", "from": ["ade"], "to": ["DRUG"], "key": "r"}],\n' +
        '  "attributes": [{"name": "assertion", "values": ["present", "absent"], "default": "present"}, {"name": "severity", "labels": ["ADE"]}]',
    ),
    FILE,
  );
  assert.deepEqual(parsed.relations, [{ name: 'caused_by', from: ['ADE'], to: ['DRUG'], key: 'r' }]);
  assert.deepEqual(parsed.attributes, [{ name: 'assertion', values: ['present', 'absent'], default: 'present' }, { name: 'severity', labels: ['ADE'] }]);
  assert.deepEqual(attributesFor(parsed, 'DRUG').map((a) => a.name), ['assertion']);
});

test('a relation type naming a label the schema lacks is reported with its line', () => {
  const e = problem(withExtras('  "relations": [\n    {"name": "caused_by", "from": ["ADE"],\n     "to": ["MED"], "key": "r"}\n  ]'));
  assert.equal(e.line, 9);
  assert.match(e.problem, /relation type "caused_by": "to" names "MED", which is not a label of this schema/);
});

test('relation type problems: a name with a space, a duplicate key, an empty "from"', () => {
  assert.match(problem(withExtras('  "relations": [{"name": "caused by", "from": ["ADE"], "to": ["DRUG"], "key": "r"}]')).problem, /relation type 1: "name".*without spaces/);
  const dup = problem(withExtras('  "relations": [{"name": "a", "from": ["ADE"], "to": ["DRUG"], "key": "r"},\n    {"name": "b", "from": ["ADE"], "to": ["DRUG"], "key": "R"}]'));
  assert.equal(dup.line, 8);
  assert.match(dup.problem, /relation type "b": key "R" is already the key of relation type 1/);
  assert.match(problem(withExtras('  "relations": [{"name": "a", "from": [], "to": ["DRUG"], "key": "r"}]')).problem, /"from" must be a non-empty list of label names/);
  assert.match(problem(withExtras('  "relations": {"name": "a"}')).problem, /"relations" must be an array/);
});

test('attribute problems: a default outside its values, a value with a space, a repeated value, a duplicate name', () => {
  const e = problem(withExtras('  "attributes": [\n    {"name": "assertion", "values": ["present", "absent"],\n     "default": "negated"}\n  ]'));
  assert.equal(e.line, 9);
  assert.match(e.problem, /attribute "assertion": "default" "negated" must be one of its values \(present, absent\)/);
  assert.match(problem(withExtras('  "attributes": [{"name": "assertion", "values": ["not present"]}]')).problem, /value "not present": .*without spaces/);
  assert.match(problem(withExtras('  "attributes": [{"name": "assertion", "values": ["a", "a"]}]')).problem, /value "a" is listed twice/);
  assert.match(problem(withExtras('  "attributes": [{"name": "severity"}, {"name": "Severity"}]')).problem, /attribute "Severity": duplicate name/);
  assert.match(problem(withExtras('  "attributes": [{"name": "severity", "values": []}]')).problem, /"values" must be a non-empty list/);
  assert.match(problem(withExtras('  "attributes": [{"name": "severity", "labels": ["PROBLEM"]}]')).problem, /"labels" names "PROBLEM"/);
});
