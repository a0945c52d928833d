import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebviewToHostMessage } from '../../../src/protocol/panelProtocol';

/** The page's messages are input: the host acts only on well-formed ones. */
test('the panel\'s "Keep this one" message needs the note and the span id as strings', () => {
  assert.equal(isWebviewToHostMessage({ type: 'keepConflictVersion', note: 'notes/a.txt', spanId: 's1~remote-1' }), true);
  assert.equal(isWebviewToHostMessage({ type: 'keepConflictVersion', note: 'notes/a.txt' }), false);
  assert.equal(isWebviewToHostMessage({ type: 'keepConflictVersion', note: 1, spanId: 's1' }), false);
});
