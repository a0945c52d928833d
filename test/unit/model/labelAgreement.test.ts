import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareLabels, describeDisagreement } from '../../../src/core/model/labelAgreement';

test('the same labels in another order agree, and nothing is said', () => {
  const a = compareLabels(['DRUG', 'ADE'], ['ADE', 'DRUG']);
  assert.deepEqual(a, { onlyInModel: [], onlyInSchema: [], agree: true });
  assert.equal(describeDisagreement(a, 'm@1'), undefined);
});

test('a label the model predicts that the schema lacks is named, with what to do', () => {
  const a = compareLabels(['ADE', 'DRUG', 'DOSE'], ['ADE', 'DRUG']);
  assert.deepEqual(a, { onlyInModel: ['DOSE'], onlyInSchema: [], agree: false });
  const text = describeDisagreement(a, 'sidelight-ade@2')!;
  assert.match(text, /sidelight-ade@2 predicts "DOSE", which \.sidelight\/labels\.json does not define/);
  assert.match(text, /add it to labels\.json/);
});

test('schema labels the model never predicts are named in the schema\'s order', () => {
  const a = compareLabels(['ADE', 'DRUG'], ['INDICATION', 'ADE', 'DRUG', 'DOSE']);
  assert.deepEqual(a.onlyInSchema, ['INDICATION', 'DOSE']);
  const text = describeDisagreement(a, 'm@1')!;
  assert.match(text, /never predicts "INDICATION" and "DOSE"/);
  assert.match(text, /label them by hand, then train a model/);
});

test('both ways at once: one message, both halves', () => {
  const a = compareLabels(['ADE', 'MED'], ['ADE', 'DRUG']);
  assert.deepEqual(a, { onlyInModel: ['MED'], onlyInSchema: ['DRUG'], agree: false });
  const text = describeDisagreement(a, 'm@1')!;
  assert.match(text, /predicts "MED"/);
  assert.match(text, /And it never predicts "DRUG"/);
});

test('duplicates count once; an empty schema lacks every model label', () => {
  const a = compareLabels(['ADE', 'ADE', 'DRUG'], []);
  assert.deepEqual(a.onlyInModel, ['ADE', 'DRUG']);
  assert.match(describeDisagreement(a, 'm@1')!, /"ADE" and "DRUG"/);
});
