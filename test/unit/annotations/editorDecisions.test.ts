import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterChanges, mayBeReload, savedAsWritten, type DocumentSnapshot } from '../../../src/core/annotations/documentOnDisk';
import { isStalePrediction } from '../../../src/core/model/stalePrediction';

const clean = (text: string, over: Partial<DocumentSnapshot> = {}): DocumentSnapshot => ({
  closed: false,
  dirty: false,
  versionThen: 7,
  versionNow: 7,
  savesThen: 1,
  savesNow: 1,
  text,
  ...over,
});

test('after changes stop, the document holds the file text only when clean, equal and untouched meanwhile', () => {
  assert.equal(afterChanges(clean('x'), 'x', false), 'saved', 'an undo back to the saved text is as a save');
  assert.equal(afterChanges(clean('x'), 'x', true), 'reloaded');
  assert.equal(afterChanges(clean('x'), 'y', true), 'ignore', 'the file differs: the changes were the user\'s');
  assert.equal(afterChanges(clean('x', { dirty: true }), 'x', true), 'ignore');
  assert.equal(afterChanges(clean('x', { closed: true }), 'x', false), 'ignore');
  // Raced while the file was read: a key typed, or a save (e.g. a pull rewrote the file and the editor saved).
  assert.equal(afterChanges(clean('x', { versionNow: 8 }), 'x', true), 'ignore');
  assert.equal(afterChanges(clean('x', { savesNow: 2 }), 'x', true), 'ignore');
});

test('a change may be a reload only when it leaves the document clean and has no undo/redo reason', () => {
  assert.equal(mayBeReload({ documentDirty: false, reason: undefined }), true);
  assert.equal(mayBeReload({ documentDirty: true, reason: undefined }), false);
  assert.equal(mayBeReload({ documentDirty: false, reason: 1 }), false);
});

test('a save is the spans\' text only when the file reads back as the document (or is in another encoding)', () => {
  assert.equal(savedAsWritten('abc', 'abc'), true);
  assert.equal(savedAsWritten('abcd', 'abc'), false, 'a key typed while the file was written');
  assert.equal(savedAsWritten('café', 'caf\ufffd'), true, 'latin-1 file read as UTF-8');
  assert.equal(savedAsWritten('caf\ufffd!', 'caf\ufffd'), false);
});

test('a prediction run is stale when cancelled, when the text moved on, or when its note state was replaced', () => {
  const run = { cancelled: false, textVersionAtStart: 3, textVersionNow: 3, stillCurrent: true };
  assert.equal(isStalePrediction(run), false);
  assert.equal(isStalePrediction({ ...run, cancelled: true }), true);
  assert.equal(isStalePrediction({ ...run, textVersionNow: 4 }), true);
  assert.equal(isStalePrediction({ ...run, stillCurrent: false }), true);
});
