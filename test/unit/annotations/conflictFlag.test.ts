import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSidecar, serializeSidecar } from '../../../src/core/annotations/sidecar';
import { mergeSidecars } from '../../../src/core/sync/merge';

/** What the sync merge writes must be readable by the store: a conflicting span and its remote copy. */
test('a sidecar with a sync conflict parses and round-trips', () => {
  const span = {
    id: 's1',
    label: 'ADE',
    fragments: [[0, 4]],
    quote: { text: 'Rash', prefix: '', suffix: ' caused by amoxicillin.' },
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'a',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const base = { schemaVersion: 1, note: 'notes/a.txt', noteSha256: '', done: false, spans: [span] };
  const local = { ...base, spans: [{ ...span, label: 'DRUG', updatedAt: '2026-01-02T00:00:00.000Z' }] };
  const remote = { ...base, spans: [{ ...span, status: 'rejected', updatedAt: '2026-01-03T00:00:00.000Z' }] };
  const { merged, conflicts } = mergeSidecars(base, local, remote);
  assert.equal(conflicts, 1);
  const parsed = parseSidecar(JSON.stringify(merged), 'a.txt.json');
  assert.equal(parsed.spans.length, 2);
  assert.ok(parsed.spans.every((s) => s.flags.includes('conflict') && typeof s.conflict === 'string'));
  const again = parseSidecar(serializeSidecar(parsed), 'a.txt.json');
  assert.deepEqual(again.spans.map((s) => s.conflict), parsed.spans.map((s) => s.conflict));
});
