import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterChanges, mayBeReload, savedAsWritten, type DocumentSnapshot } from '../../../src/core/annotations/documentOnDisk';
import { ChangeBurst, notesForSidecarChange } from '../../../src/core/annotations/sidecarChanges';
import { isStalePrediction } from '../../../src/core/model/stalePrediction';

test('a sidecar change names its note; a folder change, every loaded note under it; anything else, none', () => {
  const loaded = () => ['a.txt', 'notes/b.txt', 'notes/deep/c.txt', 'notesx/d.txt'];
  assert.deepEqual(notesForSidecarChange('.sidelight/annotations/notes/b.txt.json', loaded), ['notes/b.txt']);
  assert.deepEqual(notesForSidecarChange('.sidelight/annotations/notes', loaded), ['notes/b.txt', 'notes/deep/c.txt']);
  assert.deepEqual(notesForSidecarChange('.sidelight/annotations', loaded), loaded());
  assert.deepEqual(notesForSidecarChange('.sidelight/annotations/none', loaded), []);
  assert.equal(notesForSidecarChange('.sidelight/labels.json', loaded), undefined);
  assert.equal(notesForSidecarChange('.sidelight/annotationsX/a.txt.json', loaded), undefined);
  assert.equal(notesForSidecarChange('notes/b.txt', loaded), undefined);
});

test('a burst of sidecar changes is handled once, and a long burst is not waited out', () => {
  const burst = new ChangeBurst<string>(300, 2000);
  // Events with no time between them: the first starts the burst, each one re-arms the quiet timer.
  assert.equal(burst.add('ws1', ['a'], 1000), true);
  assert.equal(burst.add('ws1', ['a', 'b'], 1000), true);
  assert.equal(burst.add('ws2', ['c'], 1000), true);
  assert.equal(burst.add('ws1', ['d'], 3000), true, 'exactly the max wait: still re-armed');
  assert.equal(burst.add('ws1', ['e'], 3001), false, 'past the max wait: the running timer fires');
  assert.deepEqual(burst.take(), new Map([['ws1', new Set(['a', 'b', 'd', 'e'])], ['ws2', new Set(['c'])]]));
  assert.deepEqual(burst.take(), new Map(), 'taken once');
  assert.equal(burst.add('ws1', ['f'], 9000), true, 'a new burst starts after a take');
  assert.deepEqual(burst.take(), new Map([['ws1', new Set(['f'])]]));
});

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
